import type { TransformPlugin } from '@buyonline/connect-api';
import { columnsTransform } from './columns.ts';
import { envelopeTransform } from './envelope.ts';
import { filterTransform } from './filter.ts';
import { maskTransform } from './mask.ts';
import { renameTransform } from './rename.ts';
import { routeTransform } from './route.ts';

export { type ColumnsConfig, columnsConfigSchema, columnsTransform } from './columns.ts';
export { type Condition, OPERATORS, type Operator } from './condition.ts';
export { type EnvelopeConfig, envelopeConfigSchema, envelopeTransform } from './envelope.ts';
export { type FilterConfig, filterConfigSchema, filterTransform } from './filter.ts';
export { FLATTEN_FIELDS, type FlattenField } from './flatten-envelope.ts';
export { type MaskConfig, maskConfigSchema, maskTransform } from './mask.ts';
export { type RenameConfig, renameConfigSchema, renameTransform } from './rename.ts';
export { type RouteConfig, routeConfigSchema, routeTransform } from './route.ts';
export { TRANSFORMS_VERSION } from './version.ts';

/** Every transform of this package, for the apps' plugin registry. */
export const transformPlugins: readonly TransformPlugin[] = [
  columnsTransform,
  maskTransform,
  renameTransform,
  filterTransform,
  routeTransform,
  envelopeTransform,
];
