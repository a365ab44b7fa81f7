/**
 * telltale-model with source "gateway": scores through the gateway's ActiveModel. Each window takes the model current
 * when it is scored (ActiveModel.run), so an activation or rollback never drops or double-scores a window; the
 * inputs and threshold are those of the model active at deploy (a new version must keep the inputs).
 */
import type { ModelSlot } from '../../gateway/models/lifecycle/active-model.ts';
import type { GatewayModels } from '../../gateway/models/lifecycle/gateway-models.ts';
import type { LoadedModel } from './model.ts';

const sameNames = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((n, i) => n === b[i]);

export function gatewayModel(models: GatewayModels | undefined, where: string, log: (msg: string) => void, warn: (msg: string) => void, consumer = where): LoadedModel {
  if (!models) {
    throw new Error(`${where}: source "gateway" needs the gateway's model store, and there is none ` +
      '(run under `telltale run` with TELLTALE_MODEL_PUBLIC_KEY set, or choose source "path")');
  }
  const active = models.lifecycle.active;
  const deployed = active.current;
  if (!deployed) {
    throw new Error(`${where}: no model is active in the gateway's store: install and activate a signed bundle ` +
      `(API POST /api/v1/models, or drop it in ${models.dropDir}), then redeploy`);
  }
  log(`${where}: scoring through the gateway's active model ${deployed.id}, ${deployed.inputNames.length} inputs, threshold ${deployed.threshold}`);
  // From now on the store refuses a bundle whose inputs differ from the ones this flow feeds.
  const release = models.requireInputs(consumer, { asset: where, inputs: deployed.inputNames, by: `the flow feeds to ${where} (change the flow's features and redeploy first)` });
  let checked: ModelSlot = deployed;
  let mismatch: string | undefined;
  return {
    // Unbatched: ActiveModel.run copies the row before it returns, and its result names the model that scored it.
    batch: {
      score: (X, nRows) => {
        const now = active.current;
        if (now && now !== checked) {
          // Checked once per activation, not per window: the rows are laid out in the deploy-time input order.
          checked = now;
          mismatch = sameNames(now.inputNames, deployed.inputNames) ? undefined
            : `${where}: the active model ${now.id} takes inputs ${now.inputNames.join(', ')}, the flow was deployed with ${deployed.id}'s ${deployed.inputNames.join(', ')}: redeploy the flow`;
          if (mismatch) warn(mismatch);
          else if (now.threshold !== deployed.threshold) warn(`${where}: now scoring with ${now.id}; alerts keep the deploy-time threshold ${deployed.threshold} (${now.id} has ${now.threshold}) until the flow is redeployed`);
        }
        return mismatch ? Promise.reject(new Error(mismatch)) : active.run(X, nRows);
      },
    },
    inputNames: deployed.inputNames,
    threshold: deployed.threshold,
    source: `gateway:${deployed.id}`,
    release,
  };
}
