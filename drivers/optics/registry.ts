import { OPTICS_ADAPTERS } from '../../contract/port-types.js';
import type { OpticsAdapter, OpticsAdapterId } from './adapter.js';
import { ciscoAdapter } from './cisco.js';
import { entitySensorAdapter } from './entity-sensor.js';
import { h3cAdapter } from './h3c.js';
import { huaweiAdapter } from './huawei.js';
import { juniperAdapter } from './juniper.js';
import { noneAdapter } from './none.js';

/** One adapter per config `optics` value; the `satisfies` makes a missing one a compile error. */
const REGISTRY = Object.freeze({
  huawei: huaweiAdapter,
  h3c: h3cAdapter,
  juniper: juniperAdapter,
  cisco: ciscoAdapter,
  'entity-sensor': entitySensorAdapter,
  none: noneAdapter,
} satisfies Record<OpticsAdapterId, OpticsAdapter>);

export function opticsAdapter(id: OpticsAdapterId): OpticsAdapter {
  const a = REGISTRY[id];
  if (!a) throw new Error(`no optics adapter "${String(id)}" (known: ${OPTICS_ADAPTERS.join(', ')})`);
  return a;
}
