/** `gobox doctor` and the shape of its findings (the agent reports one too). */
export { runDoctor, type Finding } from './doctor.js';
