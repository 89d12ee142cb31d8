// The parsed shape of a Jinja template; `pos` is an offset into the normalised source.

export interface CallArgs {
  args: Expr[];
  kwargs: Array<[string, Expr]>;
}

export type Expr = { pos: number } & (
  | { k: 'lit'; value: unknown }
  | { k: 'name'; name: string }
  | { k: 'getattr'; obj: Expr; name: string }
  | { k: 'getitem'; obj: Expr; key: Expr }
  | { k: 'slice'; obj: Expr; start: Expr | null; stop: Expr | null; step: Expr | null }
  | ({ k: 'call'; fn: Expr } & CallArgs)
  | ({ k: 'filter'; name: string; node: Expr } & CallArgs)
  | ({ k: 'test'; name: string; node: Expr; negate: boolean } & CallArgs)
  | { k: 'bin'; op: string; left: Expr; right: Expr }
  | { k: 'and' | 'or'; left: Expr; right: Expr }
  | { k: 'not' | 'neg' | 'pos'; node: Expr }
  | { k: 'cmp'; first: Expr; ops: Array<[string, Expr]> }
  | { k: 'cond'; test: Expr; then: Expr; otherwise: Expr | null }
  | { k: 'list' | 'tuple'; items: Expr[] }
  | { k: 'dict'; items: Array<[Expr, Expr]> }
);

export type Target =
  | { k: 'name'; name: string }
  | { k: 'tuple'; items: Target[] }
  | { k: 'nsattr'; ns: string; attr: string };

export interface FilterCall extends CallArgs {
  name: string;
  pos: number;
}

export type Stmt =
  | { k: 'text'; text: string }
  | { k: 'output'; expr: Expr }
  | { k: 'if'; branches: Array<[Expr, Stmt[]]>; otherwise: Stmt[] }
  | { k: 'for'; target: Target; iter: Expr; cond: Expr | null; body: Stmt[]; otherwise: Stmt[]; pos: number }
  | { k: 'set'; target: Target; value: Expr; pos: number }
  | { k: 'setblock'; target: Target; filters: FilterCall[]; body: Stmt[]; pos: number }
  | { k: 'with'; assigns: Array<[Target, Expr]>; body: Stmt[] }
  | { k: 'filterblock'; filters: FilterCall[]; body: Stmt[] }
  | { k: 'macro'; name: string; params: Array<[string, Expr | null]>; body: Stmt[] };
