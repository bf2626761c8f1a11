// The same packages through their CommonJS declarations.
import core = require('@vigil/core');
import rules = require('@vigil/rules');

export const failed: boolean = core.isVigilError(new core.VigilError('USAGE', 'x'), 'USAGE');
export const packs: number = rules.builtinPacks().length;
