export { counterSourceConfigSchema, type CounterSourceConfig } from './config.ts';
export { CounterTask } from './counter-task.ts';
export { counterSourcePlugin } from './plugin.ts';
