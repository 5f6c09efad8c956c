import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from '../../common/yaml.js';
import { ConflictError, ConfigError, errorMessage, NotFoundError } from '../../common/errors.js';
import { makeTempDir, removeTree } from '../../common/temp.js';
import { loadClassConfig, type ClassConfig } from '../../config/class-schema.js';
import { configError } from '../../config/messages.js';
import { syncDir, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { classStudentsSchema, type ClassPlan, type ClassStudents } from './init.js';
import { classesDir, classFiles, classPaths, type ClassPaths } from './layout.js';

export interface StoredClass {
  paths: ClassPaths;
  config: ClassConfig;
  /** The roster file the class reads: the copy in its dir unless class.yaml names another. */
  rosterFile: string;
  students: ClassStudents;
}

function configYaml(config: ClassConfig): string {
  return `# gobox class ${config.name}: written by gobox class init; checked on every read\n${stringify(config)}`;
}

/**
 * Writes a class dir as one step: a new class is built in a temp dir beside the others and renamed
 * into place, so a killed init leaves no half class (only a temp that cleanStaleTemps removes).
 * With `update`, an existing class gets its files replaced one by one (each atomic, class.yaml
 * last) and keeps its runs: re-reading a roster must never cost past results.
 */
export async function writeClassDir(stateDir: string, plan: ClassPlan, opts: { update?: boolean; now?: Date } = {}): Promise<ClassPaths> {
  const paths = classPaths(stateDir, plan.config.name);
  const students: ClassStudents = { checkedAt: (opts.now ?? new Date()).toISOString(), students: plan.students, problems: plan.problems };
  const exists = await fs.lstat(paths.dir).then(() => true, () => false);
  if (exists && !opts.update) throw classExists(plan.config.name, paths.dir);
  if (exists) {
    await writeFileAtomic(paths.roster, plan.rosterText);
    await writeJsonAtomic(paths.students, students);
    await writeFileAtomic(paths.config, configYaml(plan.config));
    return paths;
  }
  const root = classesDir(stateDir);
  const tmp = await makeTempDir(root, 'class', plan.config.name);
  try {
    const files = classFiles(tmp);
    await writeFileAtomic(files.roster, plan.rosterText);
    await writeJsonAtomic(files.students, students);
    await writeFileAtomic(files.config, configYaml(plan.config));
    await fs.mkdir(files.runs, { mode: 0o700 });
    await fs.rename(tmp, paths.dir);
  } catch (e) {
    await removeTree(tmp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    // Another init of the same class won the rename.
    if (code === 'EEXIST' || code === 'ENOTEMPTY') throw classExists(plan.config.name, paths.dir);
    throw e;
  }
  await syncDir(root);
  return paths;
}

function classExists(name: string, dir: string): ConflictError {
  return new ConflictError(`class ${name} already exists (${dir})`, { hint: `to re-read its roster and keep its runs: gobox class init ${name} --roster FILE --update` });
}

/** A class as stored, every file validated; a problem names the file and field. */
export async function readClassDir(stateDir: string, name: string): Promise<StoredClass> {
  const paths = classPaths(stateDir, name);
  if (!(await fs.lstat(paths.config).then(() => true, () => false))) {
    throw new NotFoundError(`no class ${name} (${paths.dir})`, { hint: 'see: gobox class list; create one with: gobox class init NAME --roster FILE' });
  }
  const config = await loadClassConfig(paths.config);
  if (config.name !== name) throw new ConfigError(`${paths.config}: name: expected ${name} (the class's directory), found ${config.name}`, { hint: `fix ${paths.config}` });
  return { paths, config, rosterFile: path.resolve(paths.dir, config.roster), students: await readStudents(paths.students) };
}

async function readStudents(file: string): Promise<ClassStudents> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: cannot read: ${errorMessage(e).split('\n')[0]}`, { hint: 'run gobox class init NAME --roster FILE --update to write it again' });
  }
  const parsed = classStudentsSchema.safeParse(raw);
  if (!parsed.success) throw configError(file, parsed.error.issues, 'run gobox class init NAME --roster FILE --update to write it again');
  return parsed.data;
}
