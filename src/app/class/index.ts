/**
 * `gobox class` (issue 10). Pure layers so far: the roster, the class dir and its runs' layout,
 * who may grade whom; and from a student's `go test -json` output and how the run ended to a
 * result, scores, and the result formats. The class runner feeds streams in and writes what
 * comes out.
 */
export * from './result.js';
export { TestEventCollector, studentResult, type ExpectedTest, type RunEnd } from './test-events.js';
export { ungradedStudent } from './ungraded.js';
export { DEFAULT_POINTS, pointsFor, scoreRun, scoreStudent, type PointsRule, type ScoredRun, type ScoredStudent, type ScoredTest } from './score.js';
export * from './formats/index.js';
export { classConfigOf, classStudentsSchema, planClassInit, type ClassInitOptions, type ClassPlan, type ClassStudents } from './init.js';
export { readClassDir, writeClassDir, type StoredClass } from './class-store.js';
export { classesDir, classPaths, finishedStudentIds, lastRunId, listRunIds, newRunId, runPaths, runStartedAt, type ClassPaths, type RunPaths } from './layout.js';
export { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { formatProblem, parseRoster, type RosterProblem, type RosterRow } from './roster.js';
export { checkRoster, studentSchema, type DirProbe, type GradingIdentity, type RosterHost, type Student } from './roster-checks.js';
export { hostRoster } from './host-roster.js';
export { mayGrade, policyProblems, type Grader, type PolicyStudent } from './grading-policy.js';
export { parseGoTestCommand, type GoTestCommand } from './go-test-command.js';
export { readHiddenTests, type HiddenTests } from './hidden-tests.js';
export { runClass, type ClassRunOptions, type ClassRunSummary } from './run-class.js';
export { chooseRun, readClassRun, readManifest, type RunManifest } from './run-manifest.js';
export { classDetail, listClasses, runningStudents, type ClassDetail, type ClassSummary, type RunningStudent, type StudentOverview } from './overview.js';
export { classCommand, studentRefusal } from './commands.js';
export type { ClassCommand, ClassContext, ClassOutput, GraderContext } from './class-command.js';
