import type { Cluster, Redis } from 'ioredis';

/** A connection in any mode: standalone and Sentinel are a Redis, Cluster is a Cluster. */
export type RedisClient = Redis | Cluster;
