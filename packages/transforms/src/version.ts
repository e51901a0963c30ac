/** The version every transform plugin of this package reports (package.json's). */
export const TRANSFORMS_VERSION = '0.1.0';
