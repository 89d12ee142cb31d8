// Jinja2's expression grammar and precedence (jinja2/parser.py):
// or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary < filters/tests/postfix.
import type { CallArgs, Expr, FilterCall } from './ast.js';
import { TokenStream } from './token-stream.js';
import { pyFloat } from './values.js';

// Python's parser gives up near 100 nested levels too; a bound keeps the JS stack safe.
const MAX_DEPTH = 100;
const LITERALS: Record<string, unknown> = { true: true, True: true, false: false, False: false, none: null, None: null };
const COMPARE = new Set(['==', '!=', '<', '>', '<=', '>=']);

export class ExpressionParser extends TokenStream {
  private depth = 0;

  protected enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail('expression nested too deeply');
  }

  protected parseTuple(): Expr {
    return this.parseTupleWith(() => this.parseExpression());
  }

  protected parseTupleNoCond(): Expr {
    return this.parseTupleWith(() => this.parseOr());
  }

  protected parseTupleWith(item: () => Expr): Expr {
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

  protected atTupleEnd(): boolean {
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

  protected parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      const pos = this.cur.pos;
      this.i++;
      left = { k: 'or', left, right: this.parseAnd(), pos };
    }
    return left;
  }

  protected parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      const pos = this.cur.pos;
      this.i++;
      left = { k: 'and', left, right: this.parseNot(), pos };
    }
    return left;
  }

  protected parseNot(): Expr {
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

  protected parseCompare(): Expr {
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

  protected parseBinary(ops: readonly string[], next: () => Expr): Expr {
    let left = next();
    while (this.cur.type === 'op' && ops.includes(this.cur.value)) {
      const { value: op, pos } = this.cur;
      this.i++;
      left = { k: 'bin', op, left, right: next(), pos };
    }
    return left;
  }

  protected parseMath1(): Expr {
    return this.parseBinary(['+', '-'], () => this.parseConcat());
  }

  protected parseConcat(): Expr {
    return this.parseBinary(['~'], () => this.parseMath2());
  }

  protected parseMath2(): Expr {
    return this.parseBinary(['*', '/', '//', '%'], () => this.parsePow());
  }

  protected parsePow(): Expr {
    return this.parseBinary(['**'], () => this.parseUnary(true));
  }

  protected parseUnary(withFilter: boolean): Expr {
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

  protected parsePrimary(): Expr {
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

  protected parsePostfix(node: Expr): Expr {
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

  protected parseSubscript(obj: Expr, pos: number): Expr {
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

  protected parseCallArgs(): CallArgs {
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

  protected parseFilterExpr(node: Expr): Expr {
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

  protected parseTest(node: Expr, pos: number): Expr {
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

  protected parseFilterChain(): FilterCall[] {
    const filters: FilterCall[] = [];
    while (this.skipOp('|')) filters.push(this.parseOneFilter());
    return filters;
  }

  protected parseOneFilter(): FilterCall {
    const pos = this.cur.pos;
    let name = this.expectName();
    while (this.isOp('.') && this.tokens[this.i + 1]?.type === 'name') {
      this.i++;
      name += '.' + this.expectName();
    }
    const call = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [] };
    return { name, pos, ...call };
  }
}
