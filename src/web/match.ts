import type { FastifyPluginAsync } from 'fastify'

// Being written by a helper this session.
const pages: FastifyPluginAsync = async () => {}
export default pages
