/** The model manifest (`<name>.manifest.json`): what a gateway must know to feed, trust and judge a model. */
import { Type, type Static } from '@sinclair/typebox';

/** Inputs a model may take at most: bounds the arrays a manifest and a params file may hold, and the cost of a model. */
export const MAX_INPUTS = 256;
/**
 * A file a manifest names: a plain file name inside the bundle (letters, digits, _ . -, not starting with a dot;
 * no separator, no `..`, no absolute path, no device), and not another manifest. The readers check it again at open.
 */
/** A model's name: it names the bundle's files (`<name>.onnx`, …) and its version ids (`<name>-v<version>`). */
export const MANIFEST_NAME = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$';
export const MANIFEST_FILE_NAME = '^(?!.*\\.manifest\\.json$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const ModelFile = Type.Object(
  {
    path: Type.String({ pattern: MANIFEST_FILE_NAME, description: 'Plain file name in the manifest\'s directory' }),
    sha256: Sha256,
    bytes: Type.Integer({ minimum: 1, maximum: 2 ** 31 }),
    opset: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ModelManifest = Type.Object(
  {
    name: Type.String({ pattern: MANIFEST_NAME }),
    version: Type.String({ minLength: 1, maxLength: 64, description: 'Version of this model (the manifest format is `format`)' }),
    format: Type.Literal(1),
    family: Type.Union([Type.Literal('pca'), Type.Literal('ae'), Type.Literal('iforest'), Type.Literal('knn')]),
    created: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601 time of training' }),
    producer: Type.String(),
    description: Type.Optional(Type.String()),
    inputs: Type.Object(
      {
        count: Type.Integer({ minimum: 1, maximum: MAX_INPUTS }),
        names: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: MAX_INPUTS, description: 'Column order of the input `x`' }),
        tags: Type.Array(Type.String(), { description: 'Acquired tags the inputs come from' }),
        features: Type.Array(Type.String(), { description: 'Window features per tag (empty: raw tag values)' }),
        tensor: Type.Literal('x'),
      },
      { additionalProperties: false },
    ),
    normalisation: Type.Object(
      { kind: Type.Literal('zscore'), mean: Type.Array(Type.Number(), { maxItems: MAX_INPUTS }), std: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { maxItems: MAX_INPUTS }) },
      { additionalProperties: false, description: 'Applied inside the graph: the graph takes raw values' },
    ),
    outputs: Type.Object(
      { score: Type.String(), contributions: Type.String() },
      { additionalProperties: false, description: 'What each output means' },
    ),
    threshold: Type.Object(
      {
        value: Type.Number(),
        method: Type.String({ minLength: 1 }),
        int8Value: Type.Optional(Type.Number({ description: 'Same method applied to the int8 model’s scores' })),
      },
      { additionalProperties: false },
    ),
    training: Type.Object(
      {
        rows: Type.Integer({ minimum: 1 }),
        source: Type.String(),
        span: Type.Optional(Type.Object({ from: Type.String(), to: Type.String() }, { additionalProperties: false })),
        scoreQuantiles: Type.Optional(Type.Record(Type.String(), Type.Number())),
      },
      { additionalProperties: false },
    ),
    files: Type.Object(
      { float: ModelFile, int8: ModelFile, params: Type.Optional(ModelFile) },
      { additionalProperties: false },
    ),
    signature: Type.Union([Type.Null(), Type.String()], { description: 'Reserved for model signing (later issue); null when unsigned' }),
  },
  { additionalProperties: false },
);
export type ModelManifest = Static<typeof ModelManifest>;
