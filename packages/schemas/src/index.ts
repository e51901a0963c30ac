export {
  type ChangeEvent,
  type ChangeSource,
  type ChangeSourceFields,
  type ChangeValue,
  ENVELOPE_FIELDS,
  hasSource,
  isChangeValue,
  UNCHANGED_TOAST_HEADER,
} from './change-envelope.ts';
export { changeEnvelopeSchema } from './generated/schemas.ts';
export { PG_PROPERTIES, STAGE_METADATA } from './metadata-names.ts';
