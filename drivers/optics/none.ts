import type { OpticsAdapter } from './adapter.js';

/** Devices without readable optics: status only, and optics are not judged. */
export const noneAdapter: OpticsAdapter = {
  id: 'none',
  mib: '(none)',
  readsOptics: false,
  discover: async () => ({ bindings: new Map(), notes: [] }),
};
