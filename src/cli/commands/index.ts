import type { CommandModule } from 'yargs';
import type { GlobalArgs } from '../options.js';
import { cacheModule } from './cache.js';
import { doctorModule } from './doctor.js';
import { envModule } from './env.js';
import { gcModule } from './gc.js';
import { imageModule } from './image.js';
import { profileModule } from './profile.js';
import { runModule } from './run.js';
import { shellModule } from './shell.js';
import { toolchainModule } from './toolchain.js';
import { serveModule } from './serve.js';
import { adminModule } from './admin.js';
import { agentModule } from './agent.js';
import { classModule } from './class.js';
import { shimModule } from './shim.js';
import { jailModule } from './jail.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<GlobalArgs, any>[] = [runModule, shellModule, envModule, profileModule, imageModule, gcModule, cacheModule, toolchainModule, doctorModule, serveModule, adminModule, agentModule, classModule, shimModule, jailModule];
