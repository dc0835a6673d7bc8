-- Rules of the residence procedures (Law on Residence 2020).

-- Assumption: residence registration fees (Circular 75/2022/TT-BTC, not in DOMAIN.md): a
-- dossier filed online pays half the counter fee. Provinces may set other figures.
local PERMANENT_FEE = 20000
local TEMPORARY_FEE = 15000

local function by_channel(d, fee)
  if d.channel == "online" then
    return fee // 2
  end
  return fee
end

function permanent_fee(d)
  return by_channel(d, PERMANENT_FEE)
end

function temporary_fee(d)
  return by_channel(d, TEMPORARY_FEE)
end
