/**
 * `${VAR}` / `${VAR:-default}` substitution in every string value of a parsed YAML document
 * (keys are left alone). As in POSIX shells, `:-` also applies when VAR is set but empty.
 * `$${VAR}` is an escape for a literal `${VAR}`. An unset VAR without default is reported with
 * the field path and left as written.
 */
import { formatPath } from './issues';

export interface EnvSubstitutionProblem {
  path: string;
  variable: string;
  message: string;
}

const reference = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function substituteString(
  s: string,
  env: NodeJS.ProcessEnv,
  onMissing: (variable: string) => void,
): string {
  if (!s.includes('${')) return s;
  return s.replace(reference, (whole, escape: string, name: string, fallback: string | undefined) => {
    if (escape === '$') return whole.slice(1);
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    if (v === '') return '';
    onMissing(name);
    return whole;
  });
}

/** Returns a substituted deep copy of `value` and the missing-variable problems. */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv): { value: unknown; problems: EnvSubstitutionProblem[] } {
  const problems: EnvSubstitutionProblem[] = [];
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      return substituteString(v, env, (variable) => {
        const p = formatPath(path);
        problems.push({ path: p, variable, message: `environment variable ${variable} is not set and \${${variable}} has no default (use \${${variable}:-default})` });
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) Object.defineProperty(out, k, { value: walk(item, [...path, k]), enumerable: true, writable: true, configurable: true });
      return out;
    }
    return v;
  };
  return { value: walk(value, []), problems };
}
