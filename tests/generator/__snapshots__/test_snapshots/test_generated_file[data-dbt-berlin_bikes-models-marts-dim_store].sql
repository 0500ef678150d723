-- Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
-- One row describing the store, so marts from several stores can be told apart and labelled.
select
    'berlin-bikes' as merchant_id,
    'Berlin Bikes GmbH' as store_name,
    'Europe/Berlin' as timezone,
    'EUR' as reporting_currency
