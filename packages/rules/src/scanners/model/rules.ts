import type { RuleMeta, RuleTags } from '../../api/rule.js';

const TAGS: RuleTags = {
  owaspLlm: ['LLM03', 'LLM04'],
  owaspAgentic: ['ASI04', 'ASI05'],
  atlas: ['AML.T0010.003', 'AML.T0011.000'],
  attack: ['T1195.002', 'T1059.006'],
};
const STRUCTURE: RuleTags = {
  owaspLlm: ['LLM03'],
  owaspAgentic: ['ASI04'],
  atlas: ['AML.T0010.003'],
  attack: ['T1195.002'],
};

const rule = (
  id: string,
  title: string,
  severity: RuleMeta['severity'],
  description: string,
  extra: Partial<RuleMeta> = {},
): RuleMeta => ({
  id: `vigil.scan.${id}`,
  title,
  description,
  severity,
  version: '1.0.0',
  tags: TAGS,
  areas: ['supply-chain', 'execution'],
  ...extra,
});

/**
 * Rule ids of the model-file scanner, by what they detect.
 *
 * @example
 * ```ts
 * const bad = detections.filter((d) => d.ruleId === MODEL_RULE.dangerousImport);
 * ```
 */
export const MODEL_RULE = {
  dangerousImport: 'vigil.scan.pickle-dangerous-import',
  unknownImport: 'vigil.scan.pickle-unknown-import',
  globalOverwrite: 'vigil.scan.pickle-global-overwrite',
  pickleMalformed: 'vigil.scan.pickle-malformed',
  kerasLambda: 'vigil.scan.keras-lambda',
  kerasModule: 'vigil.scan.keras-custom-module',
  safetensorsInvalid: 'vigil.scan.safetensors-invalid',
  ggufInvalid: 'vigil.scan.gguf-invalid',
  chatTemplate: 'vigil.scan.gguf-chat-template',
  formatMismatch: 'vigil.scan.model-format-mismatch',
  archiveBomb: 'vigil.scan.archive-bomb',
  modelMalformed: 'vigil.scan.model-malformed',
  limit: 'vigil.scan.model-scan-limit',
} as const;

/**
 * Every detection the model-file scanner can report (its `rules`).
 *
 * @example
 * ```ts
 * for (const r of MODEL_RULES) console.log(r.id, r.severity, r.title);
 * ```
 */
export const MODEL_RULES: readonly RuleMeta[] = [
  rule(
    'pickle-dangerous-import',
    'Pickle imports a dangerous callable',
    'critical',
    'A pickle (raw, or inside a PyTorch, NumPy, joblib or other container) imports a callable that runs code, spawns processes, touches the network or files, or loads further pickles. Unpickling imports it and, through REDUCE/NEWOBJ/BUILD, calls it.',
    {
      equivalents: ['modelscan: PickleUnsafeOpScan (CRITICAL/HIGH)', 'picklescan: dangerous import'],
      rationale:
        'Loading a pickle is running a program the file chose (torch.load, joblib.load, np.load(allow_pickle=True)).',
      falsePositives:
        'Research code that pickles functions on purpose (dill/cloudpickle); treat those files as code.',
      tuning: 'Convert weights to safetensors; load with torch.load(weights_only=True).',
    },
  ),
  rule(
    'pickle-unknown-import',
    'Pickle imports a callable that is neither known safe nor known dangerous',
    'low',
    'A pickle imports a class or function outside the known-safe data constructors (a custom class, a scikit-learn estimator, a whole PyTorch module). Its code runs on load; review it.',
    {
      equivalents: ['picklescan: suspicious import'],
      tuning: 'Add an exception for the module when it is your own.',
    },
  ),
  rule(
    'pickle-global-overwrite',
    'Pickle sets attributes on an imported module or class',
    'high',
    'BUILD applied to a global rather than to an object the pickle built: unpickling overwrites attributes of a module or class (monkey-patching the loading process).',
  ),
  rule(
    'pickle-malformed',
    'Pickle stream is malformed',
    'medium',
    'The pickle stream cannot be fully decoded (an unknown opcode, a stack underflow, a missing memo key, a truncated stream). Python stops at the same point, but everything before it already ran; scanners that stop early miss what comes before and parsers that differ disagree about the rest.',
    { tags: STRUCTURE, areas: ['supply-chain', 'defense-evasion'] },
  ),
  rule(
    'keras-lambda',
    'Keras model contains a Lambda layer',
    'high',
    'A Keras model (.keras config.json, or the model_config attribute of an .h5 file) contains a Lambda layer: serialised Python bytecode that runs when the model is loaded or called.',
    { equivalents: ['modelscan: H5LambdaDetectScan / KerasLambdaDetectScan (MEDIUM)'] },
  ),
  rule(
    'keras-custom-module',
    'Keras configuration imports from outside Keras',
    'medium',
    'An object in a Keras configuration names a `module` outside Keras; loading imports it and looks up the named class or function (dangerous modules are reported at their own severity).',
  ),
  rule(
    'safetensors-invalid',
    'Safetensors header is invalid',
    'medium',
    'The safetensors header breaks the format: a header length out of bounds, invalid JSON, unknown dtypes, shapes that do not match the byte spans, unsorted, overlapping or non-contiguous offsets, data past the end, or non-string metadata. Loaders disagree on such files (parser differentials) and some crash.',
    { tags: STRUCTURE, areas: ['supply-chain'] },
  ),
  rule(
    'gguf-invalid',
    'GGUF header is invalid',
    'medium',
    'The GGUF header breaks the format: unknown version or value types, string or array lengths past the end of the file, impossible counts, tensors with unknown types, misaligned, overlapping or outside the file. Such headers have caused memory corruption in GGUF loaders.',
    { tags: STRUCTURE, areas: ['supply-chain'] },
  ),
  rule(
    'gguf-chat-template',
    'GGUF chat template carries code or hidden instructions',
    'high',
    'The tokenizer.chat_template of a GGUF file reaches Python internals from Jinja (template injection runs code where the template is rendered), injects instructions into every conversation, or hides text in invisible Unicode.',
    {
      tags: { ...TAGS, owaspLlm: ['LLM01', 'LLM03'] },
      areas: ['supply-chain', 'execution', 'defense-evasion'],
    },
  ),
  rule(
    'model-format-mismatch',
    'Model file content does not match its extension',
    'medium',
    'The file extension names one format and the bytes are another (a pickle renamed .safetensors). Tools that trust the extension skip the checks the content needs; loaders that sniff content load it anyway.',
    { tags: STRUCTURE, areas: ['supply-chain', 'defense-evasion'] },
  ),
  rule(
    'archive-bomb',
    'Model archive is a decompression bomb',
    'high',
    'A zip container (PyTorch, NumPy .npz, Keras) declares or inflates to more than the limits allow, declares a ratio deflate cannot produce, or has entries sharing compressed data.',
    { tags: STRUCTURE, areas: ['supply-chain', 'resource-hijacking'] },
  ),
  rule(
    'model-malformed',
    'Model container is malformed',
    'medium',
    'A model container (zip, tar, .npy, HDF5 attribute JSON) cannot be read as its format requires.',
    { tags: STRUCTURE, areas: ['supply-chain'] },
  ),
  rule(
    'model-scan-limit',
    'Model file exceeds a scan bound',
    'medium',
    'Scanning stopped at a bound (nesting depth, memo or stack size, entry count, expansion, time): the rest of the file was not analysed. Hostile files are built to reach such bounds.',
    { tags: STRUCTURE, areas: ['supply-chain', 'defense-evasion'] },
  ),
];
