// Ids of the debug views and their commands, as package.json declares them (test/client-debug checks the manifest).

export const DEBUG_TYPE = 'aria';
export const TASKS_VIEW = 'aria.debug.tasks';
export const WORKERS_VIEW = 'aria.debug.workers';
export const TIMERS_VIEW = 'aria.debug.timers';
export const FOCUS_TASK_COMMAND = 'aria.debug.focusTask';
export const SHOW_TIMELINE_COMMAND = 'aria.debug.showTimeline';
export const SHOW_FINISHED_COMMAND = 'aria.debug.showFinishedTasks';
export const HIDE_FINISHED_COMMAND = 'aria.debug.hideFinishedTasks';
export const SORT_TASKS_COMMAND = 'aria.debug.sortTasks';
export const FILTER_TASKS_COMMAND = 'aria.debug.filterTasks';
/** Context key: true while the views hold a state (so they stay visible after the session ends). */
export const HAS_STATE_CONTEXT = 'aria.debug.hasState';
export const SHOW_FINISHED_CONTEXT = 'aria.debug.showFinished';
export const TIMELINE_PANEL = 'aria.debug.timeline';

/** Every command package.json declares for debugging (the rest of `contributes.commands` is client/command-ids.ts). */
export const DEBUG_COMMANDS = [SHOW_TIMELINE_COMMAND, SHOW_FINISHED_COMMAND, HIDE_FINISHED_COMMAND, SORT_TASKS_COMMAND, FILTER_TASKS_COMMAND] as const;
