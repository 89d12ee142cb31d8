// StackStorm reads YAML with PyYAML: YAML 1.1 booleans (yes/no/on/off/true/false) but not
// the single letters y/n, which the YAML 1.1 spec (and the `yaml` package's 1.1 schema)
// would turn into booleans — a parameter named `n` must stay `n`.
import type { DocumentOptions, SchemaOptions, Tags } from 'yaml';

const withoutSingleLetterBools = (tags: Tags): Tags => tags.map((t) => (typeof t === 'object' && t.tag === 'tag:yaml.org,2002:bool' && t.test
  ? { ...t, test: new RegExp(t.test.source.replace('Y|y|', '').replace('N|n|', '')) } : t));

/** Options for the `yaml` package that read a document as PyYAML does. */
export const PYYAML: DocumentOptions & SchemaOptions = { version: '1.1', customTags: withoutSingleLetterBools };
