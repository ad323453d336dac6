export {
  eventFrame,
  eventStreams,
  type EventStreams,
  type EventStreamsOptions,
} from './event-streams';
