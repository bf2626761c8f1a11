/** The version of the `vigil` command. */
export const VERSION = '0.1.0';
