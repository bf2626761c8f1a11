/**
 * @packageDocumentation
 */
export const PACKAGE_NAME = '@vigil/ebpf-native';
