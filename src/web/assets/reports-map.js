// The report's choropleth: each area's outline (fetched from the table's GeoJSON download)
// painted in its class's colour, worked out on the server with the legend beside the map. The
// table below holds every figure; this only adds a picture. Without background tiles
// (MAP_TILES_URL=off) the areas alone fill the map, fitted to their bounds.
import * as L from '/assets/leaflet/leaflet-src.esm.js'

const element = document.getElementById('report-map')
const dataElement = document.getElementById('report-map-data')
const SVG = 'http://www.w3.org/2000/svg'

/** Diagonal hatching for hidden counts, so they read apart from every class in colour or grey. */
function addPatterns(svg) {
  const defs = document.createElementNS(SVG, 'defs')
  const pattern = document.createElementNS(SVG, 'pattern')
  pattern.setAttribute('id', 'connector-hatch')
  pattern.setAttribute('width', '8')
  pattern.setAttribute('height', '8')
  pattern.setAttribute('patternUnits', 'userSpaceOnUse')
  pattern.setAttribute('patternTransform', 'rotate(45)')
  const back = document.createElementNS(SVG, 'rect')
  back.setAttribute('width', '8')
  back.setAttribute('height', '8')
  back.setAttribute('fill', '#ffffff')
  const stripe = document.createElementNS(SVG, 'rect')
  stripe.setAttribute('width', '3')
  stripe.setAttribute('height', '8')
  stripe.setAttribute('fill', '#4c6272')
  pattern.append(back, stripe)
  defs.append(pattern)
  svg.prepend(defs)
}

function styleFor(cls, colours) {
  const base = { color: '#212b32', weight: 1, opacity: 1, fillOpacity: 1 }
  if (cls === 'hidden') return { ...base, fillColor: 'url(#connector-hatch)' }
  if (cls === 'none') return { ...base, fillColor: '#ffffff', dashArray: '4 3' }
  return { ...base, fillColor: colours[cls] || '#ffffff' }
}

async function draw() {
  const data = JSON.parse(dataElement.textContent || '{}')
  const response = await fetch(data.geojson, { headers: { accept: 'application/geo+json' }, credentials: 'same-origin' })
  if (!response.ok) throw new Error(`the areas could not be loaded (${response.status})`)
  const collection = await response.json()
  element.textContent = ''
  const renderer = L.svg({ padding: 0.5 })
  const map = L.map(element, { scrollWheelZoom: false, renderer, zoomSnap: 0.25 })
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || '' }).addTo(map)
  }
  const areas = data.areas || {}
  const layer = L.geoJSON(collection, {
    style: (feature) => styleFor(areas[feature.id]?.cls, data.colours || {}),
    onEachFeature: (feature, area) => {
      const about = areas[feature.id] || { name: feature.properties?.name || feature.id, text: '–' }
      const words = `${about.name}: ${about.text} (${data.columnLabel})`
      area.bindTooltip(words, { sticky: false, direction: 'top' })
      area.on('click', () => area.openTooltip())
      area.on('add', () => {
        const path = area.getElement()
        if (!path) return
        path.setAttribute('tabindex', '0')
        path.setAttribute('role', 'img')
        path.setAttribute('aria-label', words)
        path.dataset.area = feature.id
        path.dataset.class = about.cls || ''
        path.addEventListener('focus', () => {
          area.setStyle({ weight: 4, color: '#ffeb3b' })
          area.openTooltip()
        })
        path.addEventListener('blur', () => {
          area.setStyle({ weight: 1, color: '#212b32' })
          area.closeTooltip()
        })
      })
    },
  }).addTo(map)
  const svg = element.querySelector('svg')
  if (svg) addPatterns(svg)
  const bounds = layer.getBounds()
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] })
  else map.setView([51.372, -0.098], 11)
  element.dataset.ready = 'true'
}

if (element && dataElement) {
  draw().catch((error) => {
    element.textContent = ''
    const p = document.createElement('p')
    p.className = 'nhsuk-body-s nhsuk-u-padding-2'
    p.textContent = `The map could not be drawn: ${error.message}. Every figure is in the table below.`
    element.append(p)
  })
}
