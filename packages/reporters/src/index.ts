/**
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@vigil/reporters';
