// The door: the six transform plugins, as one list for an app's plugin registry (the only name
// another package uses). Each transform's schema and config type stay in its own file.
import type { TransformPlugin } from '@buyonline/connect-api';
import { columnsTransform } from './columns.ts';
import { envelopeTransform } from './envelope.ts';
import { filterTransform } from './filter.ts';
import { maskTransform } from './mask.ts';
import { renameTransform } from './rename.ts';
import { routeTransform } from './route.ts';

/** Every transform of this package, for the apps' plugin registry. */
export const transformPlugins: readonly TransformPlugin[] = [
  columnsTransform,
  maskTransform,
  renameTransform,
  filterTransform,
  routeTransform,
  envelopeTransform,
];
