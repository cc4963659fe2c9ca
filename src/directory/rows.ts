/**
 * Rows of the directory's tables as plain objects, with exactly the SQL column names: what the
 * ORUK queries read back. One definition per table shape.
 */
import type { AccessibilityFeature } from './vocabulary.ts'

export interface OrganizationRow {
  id: string
  name: string
  description: string
  email: string | null
  website: string | null
  logo: string | null
  charity_number: string | null
}

export interface AddressRow {
  id: string
  location_id: string
  attention: string | null
  address_1: string
  address_2: string | null
  city: string
  region: string | null
  state_province: string
  postal_code: string
  country: string
  address_type: 'physical' | 'postal' | 'virtual'
}

export interface AccessibilityRow {
  id: string
  location_id: string
  feature: AccessibilityFeature
  details: string | null
  url: string | null
}

export interface CostOptionRow {
  id: string
  service_id: string
  option: string
  amount: number
  amount_description: string | null
  concessions: string | null
  valid_from: string | null
  valid_to: string | null
}
