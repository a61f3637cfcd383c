// Everything a scenario needs, in one import: `import { signUp, screenshotAll } from '../lib/index.mjs'`.
export * from './config.mjs';
export * from './browser.mjs';
export * from './auth.mjs';
export * from './api.mjs';
export * from './images.mjs';
export * from './screens.mjs';
export * from './checks.mjs';
export { ADMIN } from './server.mjs';
