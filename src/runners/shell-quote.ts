// Quoting values into shell command text. Used where st2 builds a command string for
// `bash -c`: a parameter value must reach the command as one literal word, whatever it holds.

/** Where a position in a bash command sits, as far as quoting is concerned. */
export type ShellContext =
  | { kind: 'unquoted' }
  | { kind: 'single' }
  | { kind: 'double' }
  | { kind: 'ansi' }
  | { kind: 'comment' }
  | { kind: 'heredoc'; expands: boolean }
  /** Right after an unpaired backslash: the value's first character would be taken as escaped. */
  | { kind: 'escaped' }
  /**
   * Inside `…`: bash un-escapes \\ \` \$ (and \" within "…") in that text and parses it again,
   * so the quoting seen here is not the quoting bash applies. Nothing is placed there.
   */
  | { kind: 'backtick' }
  /** After a construct the scanner cannot follow (a `case` inside $(…)). */
  | { kind: 'unknown' };

/** POSIX single-quoting: the value as exactly one word, nothing inside expanded. */
export function quoteWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Escapes `value` so that, placed at a position of the given context, it is read back as the
 * literal text. Returns null when no escaping can make it literal there (a newline inside a
 * heredoc body could end the heredoc early).
 */
export function escapeFor(ctx: ShellContext, value: string): string | null {
  switch (ctx.kind) {
    case 'unquoted':
      return quoteWord(value);
    case 'single':
      // Close the quote, add an escaped quote, reopen: the surrounding quotes stay balanced.
      return value.replace(/'/g, `'\\''`);
    case 'double':
      // Inside "…" only \ " $ ` are special (history expansion is off in non-interactive bash).
      return value.replace(/[\\"$`]/g, '\\$&');
    case 'ansi':
      return value.replace(/[\\']/g, '\\$&');
    case 'comment':
      // A newline would end the comment and run the rest as a command.
      return value.replace(/[\r\n]/g, ' ');
    case 'heredoc':
      if (/[\r\n]/.test(value)) return null;
      return ctx.expands ? value.replace(/[\\$`]/g, '\\$&') : value;
    case 'escaped':
    case 'backtick':
    case 'unknown':
      return null;
  }
}

/**
 * Scans bash command text piece by piece and tells the quoting context at the end of each
 * piece (where a template value will be inserted). It understands quotes, $'…', backslash
 * escapes, comments, $(…) and `…` nesting, and heredocs (<<WORD, <<-WORD, <<'WORD').
 * The inserted values themselves are opaque: they never change the state.
 */
export function makeShellScanner() {
  // A stack of nested contexts: "$(" inside double quotes starts a fresh unquoted one.
  const stack: Array<'unquoted' | 'single' | 'double' | 'ansi' | 'backtick' | 'subst' | 'paren' | 'comment'> = ['unquoted'];
  // A `case` inside $(…) has patterns ending in a lone ")", which this scanner would take as the
  // end of the $( — after one, the context is not known and nothing more is placed.
  let lost = false;
  let escaped = false;
  let prev = '\n';
  // Heredocs announced on the current line start after its newline, in order.
  let pendingHeredocs: Array<{ delim: string; strip: boolean; expands: boolean }> = [];
  let heredoc: { delim: string; strip: boolean; expands: boolean; line: string } | null = null;
  let pendingOperator = '';

  const top = () => stack[stack.length - 1]!;
  const isWordStart = () => /[\s;&|()<>]/.test(prev) || prev === '\n';

  function readHeredocWord(text: string, from: number): number {
    // Called at the first character after "<<" or "<<-": parse the delimiter word.
    let i = from;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
    let word = '';
    let quoted = false;
    while (i < text.length && !/[\s;&|<>()]/.test(text[i]!)) {
      const c = text[i]!;
      if (c === "'" || c === '"') {
        quoted = true;
        const close = text.indexOf(c, i + 1);
        const endAt = close === -1 ? text.length : close;
        word += text.slice(i + 1, endAt);
        i = endAt + 1;
        continue;
      }
      if (c === '\\') {
        quoted = true;
        word += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    pendingHeredocs.push({ delim: word, strip: pendingOperator === '<<-', expands: !quoted });
    pendingOperator = '';
    return i;
  }

  function feedHeredoc(c: string): void {
    const h = heredoc!;
    if (c !== '\n') {
      h.line += c;
      return;
    }
    const line = h.strip ? h.line.replace(/^\t+/, '') : h.line;
    if (line === h.delim) {
      heredoc = null;
      startNextHeredoc();
    } else {
      h.line = '';
    }
  }

  function startNextHeredoc(): void {
    const next = pendingHeredocs.shift();
    heredoc = next ? { ...next, line: '' } : null;
  }

  function feedChar(c: string, text: string, i: number): number {
    if (heredoc) {
      feedHeredoc(c);
      return i + 1;
    }
    const state = top();
    if (escaped) {
      escaped = false;
      prev = 'x';
      return i + 1;
    }
    switch (state) {
      case 'single':
        if (c === "'") stack.pop();
        break;
      case 'comment':
        if (c === '\n') {
          stack.pop();
          if (pendingHeredocs.length > 0) startNextHeredoc();
        }
        break;
      case 'ansi':
        if (c === '\\') escaped = true;
        else if (c === "'") stack.pop();
        break;
      case 'double':
        if (c === '\\') escaped = true;
        else if (c === '"') stack.pop();
        else if (c === '`') stack.push('backtick');
        else if (c === '$' && text[i + 1] === '(') {
          stack.push('subst');
          prev = '(';
          return i + 2;
        }
        break;
      default: // unquoted, backtick, subst, paren: the same rules, each with its own closer
        if (c === '\\') escaped = true;
        else if (c === "'") stack.push('single');
        else if (c === '"') stack.push('double');
        else if (c === '$' && text[i + 1] === "'") {
          stack.push('ansi');
          prev = "'";
          return i + 2;
        } else if (c === '$' && text[i + 1] === '(') {
          stack.push('subst');
          prev = '(';
          return i + 2;
        } else if (c === '`') {
          if (state === 'backtick') stack.pop();
          else stack.push('backtick');
        } else if (c === '(' && stack.includes('subst')) stack.push('paren');
        else if (c === ')' && (state === 'subst' || state === 'paren')) stack.pop();
        else if (c === 'c' && isWordStart() && stack.includes('subst') && /^case\s/.test(text.slice(i, i + 5))) lost = true;
        else if (c === '#' && isWordStart()) stack.push('comment');
        else if (c === '<' && text[i + 1] === '<' && text[i + 2] !== '<') {
          pendingOperator = text[i + 2] === '-' ? '<<-' : '<<';
          prev = '<';
          return readHeredocWord(text, i + pendingOperator.length);
        } else if (c === '\n' && pendingHeredocs.length > 0) {
          prev = c;
          startNextHeredoc();
          return i + 1;
        }
    }
    prev = c;
    return i + 1;
  }

  return {
    /** Advances over literal command text. */
    feed(text: string): void {
      for (let i = 0; i < text.length; ) i = feedChar(text[i]!, text, i);
    },
    /** The context an inserted value would be read in, here. */
    context(): ShellContext {
      if (lost) return { kind: 'unknown' };
      if (heredoc) return { kind: 'heredoc', expands: heredoc.expands };
      if (stack.includes('backtick')) return { kind: 'backtick' };
      if (escaped) return { kind: 'escaped' };
      const state = top();
      if (state === 'single' || state === 'double' || state === 'ansi' || state === 'comment') return { kind: state };
      return { kind: 'unquoted' };
    },
    /** An inserted value is one opaque word: it ends any pending escape and counts as text. */
    inserted(): void {
      escaped = false;
      if (heredoc) heredoc.line += 'x';
      else prev = 'x';
    },
  };
}
