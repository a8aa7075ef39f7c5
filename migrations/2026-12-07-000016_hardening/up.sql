-- Spec §17: KR and JO have no business exemption by a tax id alone. Stores that installed the
-- earlier shipped defaults get the corrected rows (rows an admin renamed are left alone).
UPDATE tax_rates SET business_exemption = FALSE
WHERE state IS NULL
  AND ((country = 'KR' AND name = 'South Korea VAT')
    OR (country = 'JO' AND name = 'Jordan general sales tax'));
