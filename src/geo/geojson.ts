/**
 * GeoJSON areas (Polygon and MultiPolygon, RFC 7946): the one schema that boundary files and
 * the "geometry" kind of service area are read with. It checks the shape; whether rings cross
 * themselves is PostGIS's to say.
 */
import { z } from 'zod'

export type Position = [number, number]

export interface Polygon {
  type: 'Polygon'
  coordinates: Position[][]
}

export interface MultiPolygon {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

const lon = z.number().min(-180).max(180)
const lat = z.number().min(-90).max(90)
/** Longitude then latitude, as GeoJSON orders them (no height). */
const position = z.tuple([lon, lat])

/** Polygon or MultiPolygon, each ring closed and at most `maxRing` positions long. */
export function polygonal(maxRing: number) {
  const ring = z
    .array(position)
    .min(4, { error: 'a ring needs at least 4 positions' })
    .max(maxRing)
    .refine((r) => r[0]![0] === r.at(-1)![0] && r[0]![1] === r.at(-1)![1], { error: 'a ring must end where it starts' })
  const polygon = z.array(ring).min(1)
  return z.discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: polygon }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon).min(1) }),
  ])
}

export type PolygonalGeometry = z.infer<ReturnType<typeof polygonal>>

/** The same area as a MultiPolygon. */
export function toMultiPolygon(g: PolygonalGeometry): MultiPolygon {
  return g.type === 'MultiPolygon' ? { type: 'MultiPolygon', coordinates: g.coordinates } : { type: 'MultiPolygon', coordinates: [g.coordinates] }
}

/** A FeatureCollection of areas with their properties (a boundary file). */
export const AreaFeatureCollectionSchema = z.object({
  features: z.array(z.object({ properties: z.record(z.string(), z.unknown()), geometry: polygonal(1_000_000) })),
})
