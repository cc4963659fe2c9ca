/**
 * Croydon's primary care networks (PCNs), the teams the demo's link workers belong to, each
 * with the wards its GP practices are in (where the demo's people of that team live).
 *
 * Taken from croydon_gp_practices.csv (the `pcn_name` and `ward19nm` columns), which is NHS
 * Digital's "Patients Registered at a GP Practice" practice mapping file (extract date
 * 1 January 2022) cut down to the practices inside Croydon. Contains information from NHS
 * Digital, licensed under the current version of the Open Government Licence (v3.0). Ward
 * names: Source: Office for National Statistics licensed under the Open Government Licence
 * v3.0. Some practices and PCNs have merged or closed since 2022. The one practice listed as
 * "Unallocated" is left out.
 */
export const CROYDON_PCNS = [
  { name: 'CROYDON GP SUPER NETWORK PCN', wards: ['Addiscombe East', 'Addiscombe West', 'Broad Green', 'Selhurst', 'Shirley South', 'Woodside'] },
  { name: 'CROYDON LINK PCN', wards: ['Fairfield', 'Selhurst'] },
  { name: 'GPNET5 PCN', wards: ['Addiscombe East', 'Fairfield', 'South Croydon', 'Waddon'] },
  { name: 'KESTON MOORINGS & PARKSIDE PCN', wards: ['Purley & Woodcote', 'South Croydon'] },
  { name: 'MAYDAY SOUTH PCN', wards: ['New Addington North', 'New Addington South', 'West Thornton'] },
  { name: 'ONE THORNTON HEATH PCN', wards: ['Crystal Palace & Upper Norwood', 'South Norwood', 'Thornton Heath'] },
  { name: 'PRIMARY CARE NORTH CROYDON PCN', wards: ['Bensham Manor', 'Norbury & Pollards Hill', 'West Thornton'] },
  { name: 'SELSDON ADDINGTON & SHIRLEY PCN', wards: ['New Addington South', 'Selsdon & Addington Village', 'Shirley South'] },
  {
    name: 'SELSDON PURLEY & COULSDON HEALTH PCN',
    wards: ['Coulsdon Town', 'Old Coulsdon', 'Purley & Woodcote', 'Sanderstead', 'Selsdon & Addington Village'],
  },
] as const satisfies ReadonlyArray<{ name: string; wards: readonly string[] }>

export type CroydonPcnName = (typeof CROYDON_PCNS)[number]['name']
