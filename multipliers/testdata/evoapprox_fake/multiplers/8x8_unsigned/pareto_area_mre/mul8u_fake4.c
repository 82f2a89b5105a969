/***
* A fake model for tests. Form: uint16_t f(uint8_t a, uint8_t b).
* PDK45_PWR = 0.100 mW
* PDK45_AREA = 200 um2
* PDK45_DELAY = 0.5 ns
***/
#include <stdint.h>

uint16_t mul8u_fake4(uint8_t a, uint8_t b)
{
  return (uint16_t)((a * b) & ~15);
}
