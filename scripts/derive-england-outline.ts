// npm run derive:england -- LSOA_CENTROIDS.csv OUTCODE_CENTROIDS.csv [OUT.geojson]
//
// Derives the approximate outline of England that "anywhere in England" service areas use
// (src/geo/data/england_outline.geojson) from two open ONS-derived point files, since no
// England boundary polygon ships with the project:
//  - the ONS reference points of every 2011 LSOA in England (E01…) and Wales (W01…)
//    (shared/data/geography/lsoa2011_centroids_ew.csv: lsoa11cd, lat, lon);
//  - the centres of the postcode districts of the postcode areas that lie wholly in Scotland,
//    and of TD but TD12 and TD15, which reach into England (shared/data/postcodes/
//    uk_outcode_centroids.csv), so that the northern edge follows the Scottish border.
// England is the union of the Voronoi cells of the English points, each cut to 15 km around
// its own point (so the outline reaches at most 15 km past the last English point into the
// sea); holes filled; coordinates to 4 decimal places (about 10 m), kept valid. The border
// with Wales and Scotland falls halfway between neighbouring English and other points: good
// to a few kilometres, which is what "anywhere in England" and the "not in England" check
// need, and no more.
//
// Runs on the configured database (PostGIS), in a scratch schema it drops afterwards.
import { writeFileSync } from 'node:fs'
import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { ConfigError, loadConfig } from '../src/config.ts'
import { openDb } from '../src/db/open.ts'

/** Postcode areas wholly in Scotland. */
const SCOTTISH_AREAS = ['AB', 'DD', 'DG', 'EH', 'FK', 'G', 'HS', 'IV', 'KA', 'KW', 'KY', 'ML', 'PA', 'PH', 'ZE']
/** TD (the Borders) is Scottish but for these districts, which reach into Northumberland. */
const TD_IN_ENGLAND = ['TD12', 'TD15']
const CUT_METRES = 15_000

const [lsoaFile, outcodeFile, out = 'src/geo/data/england_outline.geojson'] = process.argv.slice(2)
if (!lsoaFile || !outcodeFile) {
  console.error('usage: npm run derive:england -- lsoa2011_centroids_ew.csv uk_outcode_centroids.csv [OUT.geojson]')
  process.exit(2)
}

interface Point {
  england: boolean
  lat: number
  lon: number
}
const lsoas = parse(readFileSync(lsoaFile, 'utf8'), { columns: true }) as { lsoa11cd: string; lat: string; lon: string }[]
const outcodes = parse(readFileSync(outcodeFile, 'utf8'), { columns: true }) as { outcode: string; postcode_area: string; lat: string; lon: string }[]
const points: Point[] = [
  ...lsoas.filter((r) => /^[EW]01/.test(r.lsoa11cd)).map((r) => ({ england: r.lsoa11cd.startsWith('E'), lat: Number(r.lat), lon: Number(r.lon) })),
  ...outcodes
    .filter((r) => SCOTTISH_AREAS.includes(r.postcode_area) || (r.postcode_area === 'TD' && !TD_IN_ENGLAND.includes(r.outcode)))
    .map((r) => ({ england: false, lat: Number(r.lat), lon: Number(r.lon) })),
]
if (points.some((p) => !Number.isFinite(p.lat) || !Number.isFinite(p.lon))) throw new Error('a point without coordinates')

try {
  const db = await openDb(loadConfig().database)
  try {
    const geojson = await db.transaction(async (tx) => {
      await tx.query('CREATE EXTENSION IF NOT EXISTS postgis')
      await tx.query('CREATE TEMP TABLE gen ON COMMIT DROP AS SELECT england, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 27700) AS g FROM json_to_recordset($1::json) AS p (england boolean, lat float8, lon float8)', [JSON.stringify(points)])
      await tx.query('CREATE INDEX ON gen USING gist (g)')
      await tx.query('CREATE TEMP TABLE cell ON COMMIT DROP AS SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(g)))).geom AS c FROM gen')
      const { rows } = await tx.query<{ geojson: string; valid: boolean; parts: number; km2: number }>(
        `WITH england AS (
           SELECT ST_Union(ST_Intersection(cell.c, ST_Buffer(gen.g, $1, 16))) AS g
             FROM cell JOIN gen ON gen.england AND ST_Contains(cell.c, gen.g)
         ),
         filled AS (
           SELECT ST_ReducePrecision(ST_Transform(ST_Collect(ST_MakePolygon(ST_ExteriorRing(d.geom))), 4326), 0.0001) AS g
             FROM england, ST_Dump(england.g) AS d
         )
         SELECT ST_AsGeoJSON(g, 4) AS geojson, ST_IsValid(g) AS valid, ST_NumGeometries(g) AS parts,
                ST_Area(g::geography) / 1e6 AS km2
           FROM filled`,
        [CUT_METRES],
      )
      const r = rows[0]!
      if (!r.valid) throw new Error('the derived outline is not a valid geometry')
      console.log(`England outline: ${r.parts} parts, ${Math.round(r.km2).toLocaleString('en-GB')} km², ${r.geojson.length.toLocaleString('en-GB')} characters`)
      return r.geojson
    })
    const feature = {
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { CTRY11CD: 'E92000001', CTRY11NM: 'England' }, geometry: JSON.parse(geojson) as unknown }],
    }
    writeFileSync(out, `${JSON.stringify(feature)}\n`)
    console.log(`written to ${out}`)
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Failed: ${(error as Error).message}`)
  process.exit(1)
}
