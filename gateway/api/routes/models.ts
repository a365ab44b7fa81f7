/** /api/v1/models: list, upload a signed bundle, activate a version (optionally after a shadow period), roll back. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.ts';
import { ApiError } from '../errors.ts';
import { LifecycleError, ModelRefusedError, type ModelLifecycle } from '../../models/lifecycle/index.ts';
import { ActivateBody, ErrorReply, IdParams, ModelChangeReply, ModelsReply, UploadBody } from '../schemas.ts';

const errors = { '4xx': ErrorReply, '5xx': ErrorReply };
/** Bundles are small (≤ ~100 KB); base64 adds a third. 16 MB leaves room for large forests without inviting abuse. */
const UPLOAD_LIMIT = 16 * 1024 * 1024;

/**
 * Lifecycle errors to coded API errors, where they are found. A refusal is 422 with its reason and the store's
 * message (relative: the bundle's own file names and fields). Anything else (the disk) is a 500 whose message
 * names no host path; the detail goes to the gateway log.
 */
async function mapped<T>(log: FastifyBaseLogger, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ModelRefusedError) throw new ApiError('TELLTALE_ERR_MODEL_REFUSED', err.message, err.reason);
    if (err instanceof LifecycleError) {
      if (err.code === 'unknown-version') throw new ApiError('TELLTALE_ERR_MODEL_NOT_FOUND', err.message);
      if (err.code === 'no-previous') throw new ApiError('TELLTALE_ERR_NO_PREVIOUS_MODEL', err.message);
      throw new ApiError('TELLTALE_ERR_BAD_REQUEST', err.message, err.code);
    }
    log.error({ err }, 'model store error');
    throw new ApiError('TELLTALE_ERR_INTERNAL', 'the model store could not complete the request (the gateway log has the detail)');
  }
}

function store(deps: ApiDeps): ModelLifecycle {
  if (!deps.models) throw new ApiError('TELLTALE_ERR_MODELS_DISABLED', 'this gateway has no model store (configure a model signing public key)');
  return deps.models;
}

const change = (m: ModelLifecycle, id: string): ModelChangeReply => ({
  id, active: m.active.current?.id ?? null, ...(m.active.shadowSlot ? { shadow: m.active.shadowSlot.id } : {}),
});

export function modelRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Reply: ModelsReply }>('/api/v1/models', { schema: { tags: ['models'], summary: 'Installed model versions', response: { 200: ModelsReply, ...errors } } }, async () => {
    const m = store(deps);
    const shadow = m.shadowReport();
    return { active: m.active.current?.id ?? null, ...(shadow ? { shadow } : {}), models: await m.list() };
  });

  app.post<{ Body: UploadBody; Reply: ModelChangeReply }>('/api/v1/models', {
    bodyLimit: UPLOAD_LIMIT,
    schema: { tags: ['models'], summary: 'Upload a signed bundle (verified before it is stored; the active model is kept on refusal)', body: UploadBody, response: { 201: ModelChangeReply, ...errors } },
  }, async (req, reply) => {
    const m = store(deps);
    const files: Record<string, Uint8Array> = {};
    for (const [name, b64] of Object.entries(req.body.files)) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new ApiError('TELLTALE_ERR_BAD_REQUEST', `body/files/${name}: not base64`);
      files[name] = Buffer.from(b64, 'base64');
    }
    const id = await mapped(req.log, () => m.installFiles(files, `api upload from ${req.ip}`));
    if (req.body.activate) await mapped(req.log, () => m.activate(id));
    return reply.code(201).send(change(m, id));
  });

  app.post<{ Params: IdParams; Body: ActivateBody; Reply: ModelChangeReply }>('/api/v1/models/:id/activate', {
    schema: { tags: ['models'], summary: 'Activate an installed version, at once or after a shadow period', params: IdParams, body: ActivateBody, response: { 200: ModelChangeReply, ...errors } },
  }, async (req) => {
    const m = store(deps);
    const b = req.body ?? {};
    const shadow = b.shadowRows ? { rows: b.shadowRows, minAgreement: b.minAgreement ?? 0.95 } : false;
    await mapped(req.log, () => m.activate(req.params.id, { shadow }));
    return change(m, req.params.id);
  });

  app.post<{ Reply: ModelChangeReply }>('/api/v1/models/rollback', {
    schema: { tags: ['models'], summary: 'Return to the previously active version', response: { 200: ModelChangeReply, ...errors } },
  }, async (req) => {
    const m = store(deps);
    const id = await mapped(req.log, () => m.rollback());
    return change(m, id);
  });
}
