/**
 * The shape of one setting in a settings table: how users name it (flag; env and file keys derive from it), what
 * it accepts and its default. The webhook's configuration schema and the plugin's registry flags are built from
 * tables of these, so a registry setting is declared once and read the same way by both.
 */
interface SpecBase {
  /** Long flag without dashes; the webhook's env var is ARCHCHECK_ + upper snake case of it. */
  flag: string;
  /** Placeholder in --help. */
  value: string;
  description: string;
  /** The default as a user would write it. */
  defaultText: string;
}

export interface ScalarSpec<T> extends SpecBase {
  kind: 'scalar';
  parse: (text: string) => T;
}

export interface ListSpec<I> extends SpecBase {
  kind: 'list';
  parseItem: (text: string) => I;
  /** `--allowed-archs amd64,arm64`: one flag value holds several items (otherwise each flag occurrence is one item). */
  flagCommaSplit?: boolean;
  /** Items may contain commas (`PATTERN=amd64,arm64`): in env/file text, a token without `=` belongs to the item before. */
  itemsContainCommas?: boolean;
}

export type Spec = ScalarSpec<unknown> | ListSpec<unknown>;

export const scalar = <T>(spec: Omit<ScalarSpec<T>, 'kind'>): ScalarSpec<T> => ({ kind: 'scalar', ...spec });
export const list = <I>(spec: Omit<ListSpec<I>, 'kind'>): ListSpec<I> => ({ kind: 'list', ...spec });

/** The parsed value of a spec: a scalar's type, or an array of a list's items. */
export type ValueOf<S> = S extends ScalarSpec<infer T> ? T : S extends ListSpec<infer I> ? I[] : never;
