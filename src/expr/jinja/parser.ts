// Jinja2's statements: if/elif/else, for (with else and a filter condition), set (plain,
// tuple, namespace attribute, block), with, filter blocks and macros. Raw blocks are the lexer's.
import type { Expr, Stmt, Target } from './ast.js';
import { ExpressionParser } from './parse-expr.js';

export class Parser extends ExpressionParser {
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
}
