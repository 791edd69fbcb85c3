/** The resolver map, by type; everything not listed uses graphql's default property resolver. */
import {
  historyStepResolvers, imageConnectionResolvers, imageLayerResolvers, imageResolvers, mergedFileResolvers, tagResolvers,
  tagSizePointResolvers,
} from './image';
import { imageCheckResolvers } from './check';
import { layerResolvers } from './layer';
import { queryResolvers } from './query';
import { Bytes, DateTime, JSONScalar } from './scalars';
import { containerQueryResolvers, containerResolvers } from './containers';
import { guardMutations } from '../mutationGuard';
import type { mutationResolvers as MutationResolvers } from './mutations';
import { baseChainQueryResolvers, baseChainResolvers, imageBaseChainResolvers } from './baseChains';
import { imageTimelineResolvers, timelineQueryResolvers } from './timeline';
import { storageTopResolvers } from './storageTop';
import { storagePageResolvers, storageReportResolvers } from './storage';
import { baseDriftResolvers, driftQueryResolvers, imageDriftResolvers } from './drift';
import { webhookDeliveryResolvers, webhookQueryResolvers, webhookResolvers } from './webhooks';

export const resolverMap = {
  Bytes,
  DateTime,
  JSON: JSONScalar,
  Query: { ...queryResolvers, ...containerQueryResolvers, ...baseChainQueryResolvers, ...timelineQueryResolvers, ...driftQueryResolvers,
    ...webhookQueryResolvers },
  Image: { ...imageResolvers, ...imageBaseChainResolvers, ...imageCheckResolvers, ...imageTimelineResolvers, ...imageDriftResolvers },
  BaseChain: baseChainResolvers,
  BaseDrift: baseDriftResolvers,
  Layer: layerResolvers,
  ImageLayer: imageLayerResolvers,
  ImageConnection: imageConnectionResolvers,
  HistoryStep: historyStepResolvers,
  Container: containerResolvers,
  Tag: tagResolvers,
  MergedFile: mergedFileResolvers,
  TagSizePoint: tagSizePointResolvers,
  Webhook: webhookResolvers,
  WebhookDelivery: webhookDeliveryResolvers,
  StorageReport: { ...storageReportResolvers, ...storageTopResolvers },
  ...storagePageResolvers,
};

let mutations: typeof MutationResolvers | null = null;
/**
 * Mutation's resolvers, loaded at the first mutation (buildSchema.ts): they bring
 * the commands, registry pulls and pushes (~15 ms of modules), which a `strata query`
 * that only reads never needs (docs/adr/0010-compiled-at-install.md).
 */
export function mutationResolverMap(): typeof MutationResolvers {
  mutations ??= guardMutations((require('./mutations') as typeof import('./mutations')).mutationResolvers);
  return mutations;
}
