/**
 * The shapes archcheck's code relies on, checked at the edge before any logic (decision 0013). Only the fields the
 * webhook reads are checked, each for its JSON type; everything else is free (unknown fields are kept as they are).
 * `null` stands for an absent optional field, as Kubernetes' own decoding treats it. A check returns the first
 * problem as `spec.containers[0].image must be a string`, or undefined.
 */
type Check = (value: unknown, path: Path) => string | undefined;

/**
 * Where a value sits, as a chain of steps spelled out only when there is a problem: every admission checks a few
 * hundred fields, and joining their paths eagerly was a measurable share of its CPU. `undefined` is the first pass,
 * which only asks whether there is a problem and allocates nothing per field; only an object with a problem is
 * checked again with its path, for the message (`twoPass`).
 */
type Path = string | { parent: Path; step: string } | undefined;

const at = (parent: Path, step: string): Path => (parent === undefined ? undefined : { parent, step });
const atIndex = (parent: Path, i: number): Path => (parent === undefined ? undefined : { parent, step: `[${i}]` });
const atKey = (parent: Path, key: string): Path => (parent === undefined ? undefined : { parent, step: `.${key}` });

function spell(path: Path): string {
  if (path === undefined) return '';
  return typeof path === 'string' ? path : spell(path.parent) + path.step;
}

/** The check without paths first; with them only when there is a problem to describe. */
const twoPass =
  (check: Check) =>
  (value: unknown, path: string): string | undefined =>
    check(value, undefined) === undefined ? undefined : check(value, path);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const typed =
  (what: string, test: (v: unknown) => boolean): Check =>
  (v, path) =>
    test(v) ? undefined : `${spell(path)} must be ${what}`;

const text = typed('a string', (v) => typeof v === 'string');
const flag = typed('true or false', (v) => typeof v === 'boolean');
const number = typed('a number', (v) => typeof v === 'number' && Number.isFinite(v));

function arrayOf(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) return `${spell(path)} must be a list`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], atIndex(path, i));
      if (problem) return problem;
    }
    return undefined;
  };
}

function mapOf(value: Check): Check {
  return (v, path) => {
    if (!isRecord(v)) return `${spell(path)} must be an object`;
    for (const k of Object.keys(v)) {
      const problem = value(v[k], atKey(path, k));
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An object whose listed fields have these shapes; fields named with a trailing `?` may be absent or null. */
function shape(fields: Record<string, Check>): Check {
  const checks = Object.entries(fields).map(([name, check]) => {
    const optional = name.endsWith('?');
    const key = optional ? name.slice(0, -1) : name;
    return { key, step: `.${key}`, optional, check };
  });
  return (v, path) => {
    if (!isRecord(v)) return `${spell(path)} must be an object`;
    for (const { key, step, optional, check } of checks) {
      const x = v[key];
      if (x === undefined || x === null) {
        if (optional) continue;
        return `${spell(path)}.${key} is missing`;
      }
      const problem = check(x, at(path, step));
      if (problem) return problem;
    }
    return undefined;
  };
}

const requirement = shape({ 'key': text, 'operator': text, 'values?': arrayOf(text) });
const term = shape({ 'matchExpressions?': arrayOf(requirement), 'matchFields?': arrayOf(requirement) });
const container = shape({ 'name?': text, 'image?': text, 'imagePullPolicy?': text });

const objectMeta = shape({
  'name?': text,
  'generateName?': text,
  'namespace?': text,
  'labels?': mapOf(text),
  'annotations?': mapOf(text),
  'ownerReferences?': arrayOf(shape({ 'kind?': text, 'name?': text, 'controller?': flag })),
});

const podSpec = shape({
  'containers': arrayOf(container),
  'initContainers?': arrayOf(container),
  'ephemeralContainers?': arrayOf(container),
  'imagePullSecrets?': arrayOf(shape({ 'name?': text })),
  'nodeSelector?': mapOf(text),
  'nodeName?': text,
  'serviceAccountName?': text,
  'os?': shape({ 'name?': text }),
  'tolerations?': arrayOf(shape({ 'key?': text, 'operator?': text, 'value?': text, 'effect?': text, 'tolerationSeconds?': number })),
  'schedulingGates?': arrayOf(shape({ 'name?': text })),
  'affinity?': shape({
    'nodeAffinity?': shape({
      'requiredDuringSchedulingIgnoredDuringExecution?': shape({ 'nodeSelectorTerms?': arrayOf(term) }),
      'preferredDuringSchedulingIgnoredDuringExecution?': arrayOf(shape({ 'weight': number, 'preference': term })),
    }),
  }),
});

const podTemplate = shape({ 'metadata?': objectMeta, 'spec': podSpec });
/** A Pod is checked as a pod template is: metadata and spec. */
const pod = twoPass(podTemplate);
const workloadMeta = twoPass(shape({ 'metadata?': objectMeta }));
/** The object holding the template, by the template's key (`template`): made once per key. */
const templateHolders = new Map<string, ReturnType<typeof twoPass>>();

function templateHolder(key: string): ReturnType<typeof twoPass> {
  let check = templateHolders.get(key);
  if (!check) templateHolders.set(key, (check = twoPass(shape({ [key]: podTemplate }))));
  return check;
}

/** What is wrong with a Pod as the webhook reads it; undefined when nothing is. */
export function podProblem(object: unknown, path = 'object'): string | undefined {
  return pod(object, path);
}

/** What is wrong with a workload and the pod template at `templatePath` (`spec.template`, or a CronJob's). */
export function workloadProblem(object: unknown, templatePath: readonly string[], path = 'object'): string | undefined {
  const top = workloadMeta(object, path);
  if (top) return top;
  let node = object;
  let where = path;
  for (const key of templatePath.slice(0, -1)) {
    if (!isRecord(node)) return `${where} must be an object`;
    node = node[key];
    where = `${where}.${key}`;
  }
  return templateHolder(templatePath[templatePath.length - 1]!)(node, where);
}

/** Envelope fields other than uid (checked by the parser itself): each, when present, must have its JSON type. */
export const requestEnvelope = twoPass(shape({
  'kind': shape({ 'group?': text, 'version?': text, 'kind': text }),
  'operation': text,
  'subResource?': text,
  'name?': text,
  'namespace?': text,
  'dryRun?': flag,
  'userInfo?': shape({ 'username?': text }),
}));
