import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from '../common/yaml.js';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../common/errors.js';
import { configError } from './messages.js';

/** Reads a YAML file and validates it; every failure is one ConfigError naming the file. */
export async function loadYamlFile<S extends z.ZodType>(file: string, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${errorMessage(e)}`);
  }
  return parseYamlText(file, text, schema);
}

export function parseYamlText<S extends z.ZodType>(file: string, text: string, schema: S): z.infer<S> {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? `:${e.linePos[0].line}` : '';
    const first = (errorMessage(e).split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${file}${where}: not valid YAML: ${first}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw configError(file, parsed.error.issues);
  return parsed.data;
}
