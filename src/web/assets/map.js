// The map beside a list of results. The list holds everything; the map only adds a picture of
// where things are, with or without background tiles (MAP_TILES_URL=off gives markers alone).
import * as L from '/assets/leaflet/leaflet-src.esm.js'

const element = document.getElementById('results-map')
const dataElement = document.getElementById('results-map-data')
if (element && dataElement) {
  const data = JSON.parse(dataElement.textContent || '{}')
  const markers = data.markers || []
  element.textContent = ''
  const map = L.map(element, { scrollWheelZoom: false })
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: element.dataset.attribution || '' }).addTo(map)
  }
  const icon = L.divIcon({ className: 'connector-marker', iconSize: [18, 18] })
  const points = []
  for (const m of markers) {
    const link = document.createElement('a')
    link.href = m.href
    link.textContent = m.name
    const popup = document.createElement('div')
    popup.append(link, document.createElement('br'), document.createTextNode(m.place || ''))
    L.marker([m.lat, m.lon], { icon, title: m.name, alt: m.name, keyboard: true }).bindPopup(popup).addTo(map)
    points.push([m.lat, m.lon])
  }
  if (data.centre) {
    L.circleMarker(data.centre, { radius: 6, color: '#212b32', weight: 2, fillOpacity: 0.2 }).bindTooltip('The postcode searched from').addTo(map)
    points.push(data.centre)
  }
  if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 16 })
  else if (points.length === 1) map.setView(points[0], 15)
  else map.setView([51.372, -0.098], 12)
}
