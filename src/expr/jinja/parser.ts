// Recursive-descent parser with Jinja2's grammar and precedence (jinja2/parser.py):
// or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary < filters/tests/postfix.
import type { CallArgs, Expr, FilterCall, Stmt, Target } from './ast.js';
import { syntaxError, type Token } from './lexer.js';
import { pyFloat } from './values.js';

// Python's parser gives up near 100 nested levels too; a bound keeps the JS stack safe.
const MAX_DEPTH = 100;
const LITERALS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };
const COMPARE = new Set(['==', '!=', '<', '>', '<=', '>=']);

export class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  private get cur(): Token {
    return this.tokens[this.i]!;
  }

  private fail(message: string, tok: Token = this.cur): never {
    throw syntaxError(this.src, tok.pos, message);
  }

  private describe(t: Token): string {
    if (t.type === 'eof') return 'end of template';
    if (t.type === 'var_end' || t.type === 'block_end') return 'end of tag';
    if (t.type === 'data') return 'template data';
    return `'${t.value}'`;
  }

  private isOp(v: string): boolean {
    return this.cur.type === 'op' && this.cur.value === v;
  }

  private isName(v: string): boolean {
    return this.cur.type === 'name' && this.cur.value === v;
  }

  private skipOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.i++;
    return true;
  }

  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.fail(`expected '${v}', got ${this.describe(this.cur)}`);
    return this.tokens[this.i++]!;
  }

  private expectName(v?: string): string {
    const t = this.cur;
    if (t.type !== 'name' || (v !== undefined && t.value !== v)) {
      this.fail(`expected ${v ? `'${v}'` : 'a name'}, got ${this.describe(t)}`);
    }
    this.i++;
    return t.value;
  }

  private expectType(type: Token['type']): void {
    if (this.cur.type !== type) this.fail(`expected end of tag, got ${this.describe(this.cur)}`);
    this.i++;
  }

  // ---- templates ----

  parseTemplate(): Stmt[] {
    const body = this.parseBody([]);
    if (this.cur.type !== 'eof') this.fail(`unexpected ${this.describe(this.cur)}`);
    return body;
  }

  /** A bare expression, as `{{ … }}` holds it; tuples allowed (`a, b`). */
  parseExpressionOnly(): Expr {
    const e = this.parseTuple();
    if (this.cur.type !== 'eof') this.fail(`unexpected ${this.describe(this.cur)}`);
    return e;
  }

  /** Statements until a block tag named in `ends` (left unconsumed) or the end. */
  private parseBody(ends: string[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.cur;
      if (t.type === 'eof') {
        if (ends.length) this.fail(`unexpected end of template, expected '${ends.join("' or '")}'`);
        return body;
      }
      if (t.type === 'data') {
        body.push({ k: 'text', text: t.value });
        this.i++;
      } else if (t.type === 'var_begin') {
        this.i++;
        const expr = this.parseTuple();
        this.expectType('var_end');
        body.push({ k: 'output', expr });
      } else if (t.type === 'block_begin') {
        const name = this.tokens[this.i + 1]!;
        if (name.type === 'name' && ends.includes(name.value)) return body;
        this.i++;
        body.push(this.parseStatement());
      } else {
        this.fail(`unexpected ${this.describe(t)}`);
      }
    }
  }

  private endTag(): void {
    this.expectType('block_end');
  }

  /** Consumes `{% name %}` of a closing tag. */
  private closeTag(name: string): void {
    this.expectType('block_begin');
    this.expectName(name);
    this.endTag();
  }

  private parseStatement(): Stmt {
    const t = this.cur;
    if (t.type !== 'name') this.fail(`expected a tag name, got ${this.describe(t)}`);
    this.i++;
    switch (t.value) {
      case 'if': return this.parseIf();
      case 'for': return this.parseFor(t.pos);
      case 'set': return this.parseSet(t.pos);
      case 'with': return this.parseWith();
      case 'filter': return this.parseFilterBlock();
      case 'macro': return this.parseMacro();
      default:
        return this.fail(`tag '${t.value}' is not supported (supported: if, for, set, with, filter, macro, raw)`, t);
    }
  }

  private parseIf(): Stmt {
    const branches: Array<[Expr, Stmt[]]> = [];
    let otherwise: Stmt[] = [];
    let test = this.parseExpression();
    for (;;) {
      this.endTag();
      const body = this.parseBody(['elif', 'else', 'endif']);
      branches.push([test, body]);
      this.expectType('block_begin');
      const tag = this.expectName();
      if (tag === 'elif') {
        test = this.parseExpression();
        continue;
      }
      if (tag === 'else') {
        this.endTag();
        otherwise = this.parseBody(['endif']);
        this.closeTag('endif');
      } else {
        this.endTag();
      }
      return { k: 'if', branches, otherwise };
    }
  }

  private parseFor(pos: number): Stmt {
    const target = this.parseTarget(false);
    this.expectName('in');
    const iter = this.parseTupleNoCond();
    const cond = this.isName('if') ? (this.i++, this.parseExpression()) : null;
    if (this.isName('recursive')) this.fail('recursive loops are not supported');
    this.endTag();
    const body = this.parseBody(['endfor', 'else']);
    let otherwise: Stmt[] = [];
    this.expectType('block_begin');
    if (this.expectName() === 'else') {
      this.endTag();
      otherwise = this.parseBody(['endfor']);
      this.closeTag('endfor');
    } else {
      this.endTag();
    }
    return { k: 'for', target, iter, cond, body, otherwise, pos };
  }

  private parseSet(pos: number): Stmt {
    const target = this.parseTarget(true);
    if (this.skipOp('=')) {
      const value = this.parseTuple();
      this.endTag();
      return { k: 'set', target, value, pos };
    }
    const filters = this.parseFilterChain();
    this.endTag();
    const body = this.parseBody(['endset']);
    this.closeTag('endset');
    return { k: 'setblock', target, filters, body, pos };
  }

  private parseWith(): Stmt {
    const assigns: Array<[Target, Expr]> = [];
    while (this.cur.type !== 'block_end') {
      if (assigns.length) this.expectOp(',');
      const target = this.parseTarget(false);
      this.expectOp('=');
      assigns.push([target, this.parseExpression()]);
    }
    this.endTag();
    const body = this.parseBody(['endwith']);
    this.closeTag('endwith');
    return { k: 'with', assigns, body };
  }

  private parseFilterBlock(): Stmt {
    const first = this.parseOneFilter();
    const filters = [first, ...this.parseFilterChain()];
    this.endTag();
    const body = this.parseBody(['endfilter']);
    this.closeTag('endfilter');
    return { k: 'filterblock', filters, body };
  }

  private parseMacro(): Stmt {
    const name = this.expectName();
    const params: Array<[string, Expr | null]> = [];
    this.expectOp('(');
    while (!this.skipOp(')')) {
      if (params.length) this.expectOp(',');
      if (this.skipOp(')')) break;
      const p = this.expectName();
      params.push([p, this.skipOp('=') ? this.parseExpression() : null]);
    }
    this.endTag();
    const body = this.parseBody(['endmacro']);
    this.closeTag('endmacro');
    return { k: 'macro', name, params, body };
  }

  private parseFilterChain(): FilterCall[] {
    const filters: FilterCall[] = [];
    while (this.skipOp('|')) filters.push(this.parseOneFilter());
    return filters;
  }

  private parseOneFilter(): FilterCall {
    const pos = this.cur.pos;
    let name = this.expectName();
    while (this.isOp('.') && this.tokens[this.i + 1]?.type === 'name') {
      this.i++;
      name += '.' + this.expectName();
    }
    const call = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [] };
    return { name, pos, ...call };
  }

  /** Assignment targets: `x`, `a, b`, `(a, b)`, and with `ns.attr` when `withNs`. */
  private parseTarget(withNs: boolean): Target {
    const items: Target[] = [];
    do {
      if (this.skipOp('(')) {
        items.push(this.parseTarget(false));
        this.expectOp(')');
        continue;
      }
      const name = this.expectName();
      if (withNs && this.isOp('.')) {
        this.i++;
        return { k: 'nsattr', ns: name, attr: this.expectName() };
      }
      items.push({ k: 'name', name });
    } while (this.skipOp(',') && this.cur.type === 'name');
    return items.length === 1 ? items[0]! : { k: 'tuple', items };
  }

  // ---- expressions ----

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('expression nested too deeply');
  }

  private parseTuple(): Expr {
    return this.parseTupleWith(() => this.parseExpression());
  }

  private parseTupleNoCond(): Expr {
    return this.parseTupleWith(() => this.parseOr());
  }

  private parseTupleWith(item: () => Expr): Expr {
    const pos = this.cur.pos;
    const first = item();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.skipOp(',')) {
      if (this.atTupleEnd()) break;
      items.push(item());
    }
    return { k: 'tuple', items, pos };
  }

  private atTupleEnd(): boolean {
    const t = this.cur;
    return t.type === 'var_end' || t.type === 'block_end' || t.type === 'eof' || (t.type === 'op' && t.value === ')')
      || (t.type === 'name' && t.value === 'if');
  }

  parseExpression(): Expr {
    this.enter();
    const pos = this.cur.pos;
    let e = this.parseOr();
    while (this.isName('if')) {
      this.i++;
      const test = this.parseOr();
      const otherwise = this.isName('else') ? (this.i++, this.parseExpression()) : null;
      e = { k: 'cond', test, then: e, otherwise, pos };
    }
    this.depth--;
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      const pos = this.cur.pos;
      this.i++;
      left = { k: 'or', left, right: this.parseAnd(), pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      const pos = this.cur.pos;
      this.i++;
      left = { k: 'and', left, right: this.parseNot(), pos };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName('not')) {
      const pos = this.cur.pos;
      this.i++;
      this.enter();
      const node = this.parseNot();
      this.depth--;
      return { k: 'not', node, pos };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const pos = this.cur.pos;
    const first = this.parseMath1();
    const ops: Array<[string, Expr]> = [];
    for (;;) {
      if (this.cur.type === 'op' && COMPARE.has(this.cur.value)) {
        const op = this.cur.value;
        this.i++;
        ops.push([op, this.parseMath1()]);
      } else if (this.isName('in')) {
        this.i++;
        ops.push(['in', this.parseMath1()]);
      } else if (this.isName('not') && this.tokens[this.i + 1]?.type === 'name' && this.tokens[this.i + 1]?.value === 'in') {
        this.i += 2;
        ops.push(['notin', this.parseMath1()]);
      } else {
        break;
      }
    }
    return ops.length ? { k: 'cmp', first, ops, pos } : first;
  }

  private parseBinary(ops: readonly string[], next: () => Expr): Expr {
    let left = next();
    while (this.cur.type === 'op' && ops.includes(this.cur.value)) {
      const { value: op, pos } = this.cur;
      this.i++;
      left = { k: 'bin', op, left, right: next(), pos };
    }
    return left;
  }

  private parseMath1(): Expr {
    return this.parseBinary(['+', '-'], () => this.parseConcat());
  }

  private parseConcat(): Expr {
    return this.parseBinary(['~'], () => this.parseMath2());
  }

  private parseMath2(): Expr {
    return this.parseBinary(['*', '/', '//', '%'], () => this.parsePow());
  }

  private parsePow(): Expr {
    return this.parseBinary(['**'], () => this.parseUnary(true));
  }

  private parseUnary(withFilter: boolean): Expr {
    const pos = this.cur.pos;
    this.enter();
    let node: Expr;
    if (this.isOp('-')) {
      this.i++;
      node = { k: 'neg', node: this.parseUnary(false), pos };
    } else if (this.isOp('+')) {
      this.i++;
      node = { k: 'pos', node: this.parseUnary(false), pos };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    this.depth--;
    return node;
  }

  private parsePrimary(): Expr {
    const t = this.cur;
    if (t.type === 'name') {
      this.i++;
      if (Object.prototype.hasOwnProperty.call(LITERALS, t.value)) return { k: 'lit', value: LITERALS[t.value], pos: t.pos };
      return { k: 'name', name: t.value, pos: t.pos };
    }
    if (t.type === 'string') {
      let s = '';
      while (this.cur.type === 'string') s += this.tokens[this.i++]!.value;
      return { k: 'lit', value: s, pos: t.pos };
    }
    if (t.type === 'number') {
      this.i++;
      return { k: 'lit', value: /[.eE]/.test(t.value) ? pyFloat(t.num!) : t.num, pos: t.pos };
    }
    if (this.skipOp('(')) {
      if (this.skipOp(')')) return { k: 'tuple', items: [], pos: t.pos };
      const first = this.parseExpression();
      if (this.skipOp(')')) return first;
      const items = [first];
      while (this.skipOp(',')) {
        if (this.isOp(')')) break;
        items.push(this.parseExpression());
      }
      this.expectOp(')');
      return { k: 'tuple', items, pos: t.pos };
    }
    if (this.skipOp('[')) {
      const items: Expr[] = [];
      while (!this.skipOp(']')) {
        if (items.length) this.expectOp(',');
        if (this.skipOp(']')) break;
        items.push(this.parseExpression());
      }
      return { k: 'list', items, pos: t.pos };
    }
    if (this.skipOp('{')) {
      const items: Array<[Expr, Expr]> = [];
      while (!this.skipOp('}')) {
        if (items.length) this.expectOp(',');
        if (this.skipOp('}')) break;
        const key = this.parseExpression();
        this.expectOp(':');
        items.push([key, this.parseExpression()]);
      }
      return { k: 'dict', items, pos: t.pos };
    }
    return this.fail(`unexpected ${this.describe(t)}`);
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const t = this.cur;
      if (this.isOp('.')) {
        this.i++;
        const n = this.cur;
        if (n.type === 'name') node = { k: 'getattr', obj: node, name: n.value, pos: t.pos };
        else if (n.type === 'number' && /^\d+$/.test(n.value)) node = { k: 'getitem', obj: node, key: { k: 'lit', value: n.num, pos: n.pos }, pos: t.pos };
        else this.fail(`expected a name after '.', got ${this.describe(n)}`);
        this.i++;
      } else if (this.isOp('[')) {
        this.i++;
        node = this.parseSubscript(node, t.pos);
      } else if (this.isOp('(')) {
        node = { k: 'call', fn: node, ...this.parseCallArgs(), pos: t.pos };
      } else {
        return node;
      }
    }
  }

  private parseSubscript(obj: Expr, pos: number): Expr {
    const part = (): Expr | null => (this.isOp(':') || this.isOp(']') ? null : this.parseExpression());
    const start = part();
    if (!this.isOp(':')) {
      const key = start ?? this.fail('expected a subscript');
      if (this.isOp(',')) {
        const items = [key];
        while (this.skipOp(',') && !this.isOp(']')) items.push(this.parseExpression());
        this.expectOp(']');
        return { k: 'getitem', obj, key: { k: 'tuple', items, pos }, pos };
      }
      this.expectOp(']');
      return { k: 'getitem', obj, key, pos };
    }
    this.i++;
    const stop = part();
    const step = this.skipOp(':') ? part() : null;
    this.expectOp(']');
    return { k: 'slice', obj, start, stop, step, pos };
  }

  private parseCallArgs(): CallArgs {
    this.expectOp('(');
    const args: Expr[] = [];
    const kwargs: Array<[string, Expr]> = [];
    while (!this.skipOp(')')) {
      if (args.length || kwargs.length) {
        this.expectOp(',');
        if (this.skipOp(')')) break;
      }
      if (this.cur.type === 'name' && this.tokens[this.i + 1]?.type === 'op' && this.tokens[this.i + 1]?.value === '=') {
        const key = this.cur.value;
        this.i += 2;
        kwargs.push([key, this.parseExpression()]);
      } else {
        if (kwargs.length) this.fail('positional argument follows keyword argument');
        args.push(this.parseExpression());
      }
    }
    return { args, kwargs };
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      const pos = this.cur.pos;
      if (this.isOp('|')) {
        this.i++;
        const f = this.parseOneFilter();
        node = { k: 'filter', name: f.name, node, args: f.args, kwargs: f.kwargs, pos: f.pos };
      } else if (this.isName('is')) {
        this.i++;
        node = this.parseTest(node, pos);
      } else if (this.isOp('(')) {
        node = { k: 'call', fn: node, ...this.parseCallArgs(), pos };
      } else {
        return node;
      }
    }
  }

  private parseTest(node: Expr, pos: number): Expr {
    const negate = this.isName('not') ? (this.i++, true) : false;
    let name = this.expectName();
    while (this.isOp('.') && this.tokens[this.i + 1]?.type === 'name') {
      this.i++;
      name += '.' + this.expectName();
    }
    let call: CallArgs = { args: [], kwargs: [] };
    const t = this.cur;
    if (this.isOp('(')) {
      call = this.parseCallArgs();
    } else if ((t.type === 'name' || t.type === 'string' || t.type === 'number' || (t.type === 'op' && (t.value === '[' || t.value === '{')))
      && !(t.type === 'name' && ['else', 'or', 'and'].includes(t.value))) {
      if (t.type === 'name' && t.value === 'is') this.fail('you cannot chain multiple tests with is');
      call = { args: [this.parsePostfix(this.parsePrimary())], kwargs: [] };
    }
    return { k: 'test', name, node, negate, ...call, pos };
  }
}
