/** The model manifest (`<name>.manifest.json`): what a gateway must know to feed, trust and judge a model. */
import { Type, type Static } from '@sinclair/typebox';

const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const ModelFile = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File name, relative to the manifest' }),
    sha256: Sha256,
    bytes: Type.Integer({ minimum: 1 }),
    opset: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ModelManifest = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.-]+$' }),
    version: Type.String({ minLength: 1, description: 'Version of this model (the manifest format is `format`)' }),
    format: Type.Literal(1),
    family: Type.Union([Type.Literal('pca'), Type.Literal('ae'), Type.Literal('iforest'), Type.Literal('knn')]),
    created: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601 time of training' }),
    producer: Type.String(),
    description: Type.Optional(Type.String()),
    inputs: Type.Object(
      {
        count: Type.Integer({ minimum: 1 }),
        names: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Column order of the input `x`' }),
        tags: Type.Array(Type.String(), { description: 'Acquired tags the inputs come from' }),
        features: Type.Array(Type.String(), { description: 'Window features per tag (empty: raw tag values)' }),
        tensor: Type.Literal('x'),
      },
      { additionalProperties: false },
    ),
    normalisation: Type.Object(
      { kind: Type.Literal('zscore'), mean: Type.Array(Type.Number()), std: Type.Array(Type.Number({ exclusiveMinimum: 0 })) },
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
