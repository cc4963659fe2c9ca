/**
 * Places for the demo data: what each Croydon ward is called locally, which postcode districts
 * venues there are drawn from, and the invented streets and venue names.
 */

/** The seven wards the demo treats as "the south of the borough" (exact ONS WD19NM names). */
export const SOUTH_WARDS = [
  'Coulsdon Town',
  'Old Coulsdon',
  'Purley & Woodcote',
  'Purley Oaks & Riddlesdown',
  'Kenley',
  'Sanderstead',
  'Selsdon Vale & Forestdale',
] as const

export const NEW_ADDINGTON_WARDS = ['New Addington North', 'New Addington South'] as const

/**
 * North and central wards, none of them next to a SOUTH_WARDS ward. The three area-limited
 * home-visiting mental health services only cover wards from this list.
 */
export const NORTH_CENTRAL_WARDS = [
  'Norbury & Pollards Hill',
  'Norbury Park',
  'Thornton Heath',
  'Bensham Manor',
  'West Thornton',
  'Selhurst',
  'Broad Green',
  'South Norwood',
  'Woodside',
  'Crystal Palace & Upper Norwood',
  'Addiscombe West',
  'Addiscombe East',
  'Fairfield',
] as const

/** Wards far enough from New Addington (> 4.5 km from all its postcodes) for young adults' groups. */
export const YOUNG_ADULT_WARDS = [
  'Fairfield',
  'Broad Green',
  'Selhurst',
  'Thornton Heath',
  'South Norwood',
  'West Thornton',
  'Bensham Manor',
  'Norbury Park',
  'Crystal Palace & Upper Norwood',
  'Waddon',
] as const

export interface WardInfo {
  /** Locality used as the address city. */
  city: string
  /** Neighbourhood names used to name groups and venues. */
  areas: readonly string[]
  /** Postcode districts venues in this ward are drawn from (avoids PO-box and large-user districts). */
  outcodes: readonly string[]
}

export const WARD_INFO: Readonly<Record<string, WardInfo>> = {
  'Addiscombe East': { city: 'Addiscombe', areas: ['Addiscombe', 'Ashburton'], outcodes: ['CR0'] },
  'Addiscombe West': { city: 'Addiscombe', areas: ['Addiscombe', 'East Croydon'], outcodes: ['CR0'] },
  'Bensham Manor': { city: 'Thornton Heath', areas: ['Bensham Manor', 'Thornton Heath'], outcodes: ['CR7'] },
  'Broad Green': { city: 'Croydon', areas: ['Broad Green', 'West Croydon'], outcodes: ['CR0'] },
  'Coulsdon Town': { city: 'Coulsdon', areas: ['Coulsdon', 'Smitham'], outcodes: ['CR5'] },
  'Crystal Palace & Upper Norwood': {
    city: 'Upper Norwood',
    areas: ['Upper Norwood', 'Crystal Palace'],
    outcodes: ['SE19'],
  },
  Fairfield: { city: 'Croydon', areas: ['Central Croydon', 'Fairfield', 'Old Town'], outcodes: ['CR0'] },
  Kenley: { city: 'Kenley', areas: ['Kenley'], outcodes: ['CR8'] },
  'New Addington North': { city: 'New Addington', areas: ['New Addington', 'Fieldway'], outcodes: ['CR0'] },
  'New Addington South': { city: 'New Addington', areas: ['New Addington'], outcodes: ['CR0'] },
  'Norbury & Pollards Hill': { city: 'Norbury', areas: ['Norbury', 'Pollards Hill'], outcodes: ['SW16'] },
  'Norbury Park': { city: 'Norbury', areas: ['Norbury'], outcodes: ['SW16'] },
  'Old Coulsdon': { city: 'Coulsdon', areas: ['Old Coulsdon'], outcodes: ['CR5'] },
  'Park Hill & Whitgift': { city: 'Croydon', areas: ['Park Hill'], outcodes: ['CR0'] },
  'Purley & Woodcote': { city: 'Purley', areas: ['Purley', 'Woodcote'], outcodes: ['CR8'] },
  'Purley Oaks & Riddlesdown': { city: 'Purley', areas: ['Riddlesdown', 'Purley Oaks'], outcodes: ['CR8'] },
  Sanderstead: { city: 'Sanderstead', areas: ['Sanderstead'], outcodes: ['CR2'] },
  Selhurst: { city: 'Selhurst', areas: ['Selhurst'], outcodes: ['CR0', 'SE25'] },
  'Selsdon & Addington Village': { city: 'Selsdon', areas: ['Selsdon', 'Addington Village'], outcodes: ['CR2', 'CR0'] },
  'Selsdon Vale & Forestdale': { city: 'Selsdon', areas: ['Forestdale', 'Selsdon Vale'], outcodes: ['CR2', 'CR0'] },
  'Shirley North': { city: 'Shirley', areas: ['Shirley', 'Shirley Oaks'], outcodes: ['CR0'] },
  'Shirley South': { city: 'Shirley', areas: ['Shirley', 'Spring Park'], outcodes: ['CR0'] },
  'South Croydon': { city: 'South Croydon', areas: ['South Croydon', 'Croham'], outcodes: ['CR2'] },
  'South Norwood': { city: 'South Norwood', areas: ['South Norwood', 'Norwood Junction'], outcodes: ['SE25'] },
  'Thornton Heath': { city: 'Thornton Heath', areas: ['Thornton Heath'], outcodes: ['CR7'] },
  Waddon: { city: 'Croydon', areas: ['Waddon', 'Duppas Hill'], outcodes: ['CR0'] },
  'West Thornton': { city: 'Thornton Heath', areas: ['West Thornton', 'Thornton Heath'], outcodes: ['CR7', 'CR0'] },
  Woodside: { city: 'South Norwood', areas: ['Woodside'], outcodes: ['SE25'] },
}

/** Invented street names (any likeness to a real Croydon street is coincidence). */
export const STREETS = [
  'Hollybush Lane',
  'Marlowe Road',
  'Kestrel Avenue',
  'Bramblewood Close',
  'Tannery Row',
  'Larkspur Way',
  'Cobbler’s Walk',
  'Fennel Street',
  'Maple Leaf Road',
  'Harebell Crescent',
  'Wrenfield Road',
  'Quarry View',
  'Chalkpit Lane',
  'Rowan Terrace',
  'Foxglove Drive',
  'Millstream Road',
  'Beacon Hill Road',
  'Saxon Grove',
  'Lantern Yard',
  'Tollgate Avenue',
  'Copperbeech Road',
  'Wheelwright Close',
  'Blackthorn Avenue',
  'Elder Mews',
  'Pennyroyal Road',
  'Sorrel Way',
  'Hazelmere Road',
  'Linnet Close',
  'Clockhouse Parade',
  'Weavers Lane',
  'Orchid Way',
  'Cedarwood Road',
  'Kilnworth Street',
  'Dovecote Lane',
  'Ropemaker Road',
  'Juniper Rise',
  'Hawthorn Parade',
  'Meadowsweet Avenue',
  'Brickfield Road',
  'Chandler Street',
] as const

export type VenueKind =
  | 'centre'
  | 'library'
  | 'church'
  | 'pub'
  | 'park'
  | 'sports'
  | 'cafe'
  | 'faith'
  | 'family'

export const PUB_NAMES = [
  "The Weaver's Arms",
  "The Drover's Rest",
  'The Tin Whistle',
  'The Lamplighter',
  'The Hare and Hornbeam',
  'The Jolly Cooper',
  'The Kestrel and Kettle',
  'The Old Bell Foundry',
  'The Quiet Heron',
  'The Brass Lantern',
] as const

export const CHURCH_KINDS = ['Baptist Church', 'Methodist Church', 'United Reformed Church', 'Parish Church', 'Free Church'] as const

export const FIRST_NAMES = [
  'Ade', 'Alison', 'Amira', 'Anil', 'Bernadette', 'Bola', 'Carol', 'Chidi', 'Colin', 'Deepa',
  'Dorota', 'Elaine', 'Farah', 'Gary', 'Grace', 'Hamza', 'Ian', 'Jasmine', 'Joy', 'Kwame',
  'Lakshmi', 'Lorraine', 'Marcus', 'Maureen', 'Nadia', 'Niamh', 'Oluwaseun', 'Pat', 'Priya', 'Rashid',
  'Rosa', 'Sandra', 'Shanthi', 'Steve', 'Tomasz', 'Trevor', 'Una', 'Winston', 'Yasmin', 'Zainab',
] as const

export const SURNAMES = [
  'Adeyemi', 'Ahmed', 'Baker', 'Bennett', 'Campbell', 'Chowdhury', 'Clarke', 'Dawson', 'Edwards', 'Fernandes',
  'Gill', 'Grant', 'Hussain', 'Jackson', 'Kaur', 'Kowalski', 'Lewis', 'Mensah', 'Murphy', 'Nowak',
  'Okafor', 'Osei', 'Patel', 'Price', 'Rahman', 'Reid', 'Shah', 'Sivakumar', 'Thompson', 'Warsame',
] as const
