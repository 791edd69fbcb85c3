/** The resolver map, by type; everything not listed uses graphql's default property resolver. */
import { imageResolvers, tagResolvers } from './image';
import { layerResolvers } from './layer';
import { queryResolvers } from './query';
import { Bytes, DateTime, JSONScalar } from './scalars';
import { containerQueryResolvers, mutationResolvers } from './mutations';
import { guardMutations } from '../mutationGuard';

export const resolverMap = {
  Bytes,
  DateTime,
  JSON: JSONScalar,
  Query: { ...queryResolvers, ...containerQueryResolvers },
  Image: imageResolvers,
  Layer: layerResolvers,
  Tag: tagResolvers,
  Mutation: guardMutations(mutationResolvers),
};
