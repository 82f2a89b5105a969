/***
* A fake model for tests. Form: uint16_t f(uint8_t A, uint8_t B), a signed
* circuit returning a raw 16-bit pattern.
* PDK45_PWR = 0.300 mW
* PDK45_AREA = 500 um2
* PDK45_DELAY = 1.2 ns
***/
#include <stdint.h>

uint16_t mul8s_fake2(uint8_t A, uint8_t B)
{
  int16_t p = (int16_t)((int8_t)A * (int8_t)B);
  if (B & 1) p -= 1;
  return (uint16_t)p;
}
