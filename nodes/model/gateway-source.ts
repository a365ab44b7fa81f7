/**
 * telltale-model with source "gateway": scores through the gateway's ActiveModel. Each window takes the model current
 * when it is scored (ActiveModel.run), so an activation or rollback never drops or double-scores a window; the
 * inputs and threshold are those of the model active at deploy (a new version must keep the inputs).
 */
import type { GatewayModels } from '../../gateway/models/lifecycle/gateway-models.ts';
import type { LoadedModel } from './model.ts';

export function gatewayModel(models: GatewayModels | undefined, where: string, log: (msg: string) => void): LoadedModel {
  if (!models) {
    throw new Error(`${where}: source "gateway" needs the gateway's model store, and there is none ` +
      '(run under `telltale run` with TELLTALE_MODEL_PUBLIC_KEY set, or choose source "path")');
  }
  const active = models.lifecycle.active;
  const slot = active.current;
  if (!slot) {
    throw new Error(`${where}: no model is active in the gateway's store: install and activate a signed bundle ` +
      `(API POST /api/v1/models, or drop it in ${models.dropDir}), then redeploy`);
  }
  log(`${where}: scoring through the gateway's active model ${slot.id}, ${slot.inputNames.length} inputs, threshold ${slot.threshold}`);
  // Unbatched: ActiveModel.run copies the row before it returns, and its result names the model that scored it.
  return { batch: { score: (X, nRows) => active.run(X, nRows) }, inputNames: slot.inputNames, threshold: slot.threshold, source: `gateway:${slot.id}` };
}
