/** The resolver map, by type; everything not listed uses graphql's default property resolver. */
import {
  historyStepResolvers, imageLayerResolvers, imageResolvers, mergedFileResolvers, tagResolvers, tagSizePointResolvers,
} from './image';
import { imageCheckResolvers } from './check';
import { layerResolvers } from './layer';
import { queryResolvers } from './query';
import { Bytes, DateTime, JSONScalar } from './scalars';
import { mutationResolvers } from './mutations';
import { containerQueryResolvers, containerResolvers } from './containers';
import { guardMutations } from '../mutationGuard';
import { baseChainQueryResolvers, baseChainResolvers, imageBaseChainResolvers } from './baseChains';
import { imageTimelineResolvers, timelineQueryResolvers } from './timeline';
import { storageTopResolvers } from './storageTop';
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
  HistoryStep: historyStepResolvers,
  Container: containerResolvers,
  Tag: tagResolvers,
  MergedFile: mergedFileResolvers,
  TagSizePoint: tagSizePointResolvers,
  Webhook: webhookResolvers,
  WebhookDelivery: webhookDeliveryResolvers,
  StorageReport: storageTopResolvers,
  Mutation: guardMutations(mutationResolvers),
};
