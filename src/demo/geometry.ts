/** Plain-TypeScript geometry for building the demo data (the database does the real spatial work). */
import type { MultiPolygon, Position } from '../geo/croydon-postcodes.ts'

const EARTH_RADIUS_M = 6_371_008.8

/** Great-circle distance in metres. */
export function haversineMetres(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)))
}

function inRing(lon: number, lat: number, ring: readonly Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as Position
    const [xj, yj] = ring[j] as Position
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Planar point-in-polygon (even–odd), good enough at ward scale. */
export function multiPolygonContains(geometry: MultiPolygon, lat: number, lon: number): boolean {
  return geometry.coordinates.some((polygon) => {
    const [outer, ...holes] = polygon
    return outer !== undefined && inRing(lon, lat, outer) && !holes.some((h) => inRing(lon, lat, h))
  })
}

/**
 * Distance in metres from a point to a (multi)polygon's boundary, 0 inside it. Uses a local
 * equirectangular projection, accurate to well under 1% across a London borough.
 */
export function distanceToMultiPolygonMetres(geometry: MultiPolygon, lat: number, lon: number): number {
  if (multiPolygonContains(geometry, lat, lon)) return 0
  const kx = 111_320 * Math.cos((lat * Math.PI) / 180)
  const ky = 110_574
  let best = Infinity
  for (const polygon of geometry.coordinates) {
    for (const ring of polygon) {
      for (let i = 1; i < ring.length; i++) {
        const [ax, ay] = ring[i - 1] as Position
        const [bx, by] = ring[i] as Position
        const x1 = (ax - lon) * kx
        const y1 = (ay - lat) * ky
        const x2 = (bx - lon) * kx
        const y2 = (by - lat) * ky
        const dx = x2 - x1
        const dy = y2 - y1
        const len2 = dx * dx + dy * dy
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / len2))
        best = Math.min(best, Math.hypot(x1 + t * dx, y1 + t * dy))
      }
    }
  }
  return best
}
