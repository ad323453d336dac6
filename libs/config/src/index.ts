export { ConfigError, loadConfig } from './load';
export { baseEnv, durationMs, logLevel, port, url, type BaseEnv } from './fields';
export { parseYamlWithLines, type YamlWithLines } from './yaml';
