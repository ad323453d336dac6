export { connectRedis, redisCheck, type RedisClient, type RedisConnectOptions } from './client';
