// The token cursor both parsers share: lookahead, expectations and positioned syntax errors.
import { syntaxError, type Token } from './lexer.js';

export class TokenStream {
  protected i = 0;

  constructor(
    protected readonly src: string,
    protected readonly tokens: Token[],
  ) {}

  protected get cur(): Token {
    return this.tokens[this.i]!;
  }

  protected fail(message: string, tok: Token = this.cur): never {
    throw syntaxError(this.src, tok.pos, message);
  }

  protected describe(t: Token): string {
    if (t.type === 'eof') return 'end of template';
    if (t.type === 'var_end' || t.type === 'block_end') return 'end of tag';
    if (t.type === 'data') return 'template data';
    return `'${t.value}'`;
  }

  protected isOp(v: string): boolean {
    return this.cur.type === 'op' && this.cur.value === v;
  }

  protected isName(v: string): boolean {
    return this.cur.type === 'name' && this.cur.value === v;
  }

  protected skipOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.i++;
    return true;
  }

  protected expectOp(v: string): Token {
    if (!this.isOp(v)) this.fail(`expected '${v}', got ${this.describe(this.cur)}`);
    return this.tokens[this.i++]!;
  }

  protected expectName(v?: string): string {
    const t = this.cur;
    if (t.type !== 'name' || (v !== undefined && t.value !== v)) {
      this.fail(`expected ${v ? `'${v}'` : 'a name'}, got ${this.describe(t)}`);
    }
    this.i++;
    return t.value;
  }

  protected expectType(type: Token['type']): void {
    if (this.cur.type !== type) this.fail(`expected end of tag, got ${this.describe(this.cur)}`);
    this.i++;
  }
}
