/** The units of the bench's figures. */
export type Unit = 'rows/s' | 'ms' | 'MB';
