/***
* A fake EvoApproxLib-style model written for agnapprox-cpp's tests (not
* EvoApproxLib code). Form: int16_t f(int8_t A, int8_t B).
* MAE% = 0.01 %
* PDK45_PWR = 0.400 mW
* PDK45_AREA = 700.5 um2
* PDK45_DELAY = 1.40 ns
***/
#include <stdint.h>

int16_t mul8s_fake1(int8_t A, int8_t B)
{
  /* Not commutative: the activation's low bits leak into the result. */
  return (int16_t)(A * B + (A & 3));
}
